namespace EventBus.PostgreSql.EventStore;

/// <summary>The arguments of one call of the append function for a group of appends: per append its stream,
/// expected version and event count; per event its append (1-based, in group order) and its columns.</summary>
internal sealed class AppendBatch
{
    private AppendBatch(int appends, int events)
    {
        StreamIds = new string[appends];
        ExpectedVersions = new long[appends];
        Counts = new int[appends];
        Appends = new int[events];
        EventIds = new string[events];
        EventTypes = new string[events];
        DataVersions = new string[events];
        Data = new byte[events][];
        Metadata = new byte[events][];
    }

    private AppendBatch(PendingAppend append)
    {
        StreamIds = [append.StreamId];
        ExpectedVersions = [append.EncodedExpectedVersion];
        Counts = [append.Count];
        Appends = new int[append.Count];
        Array.Fill(Appends, 1);
        EventIds = append.EventIds;
        EventTypes = append.EventTypes;
        DataVersions = append.DataVersions;
        Data = append.Data;
        Metadata = append.Metadata;
    }

    public string[] StreamIds { get; }

    public long[] ExpectedVersions { get; }

    public int[] Counts { get; }

    public int[] Appends { get; }

    public string[] EventIds { get; }

    public string[] EventTypes { get; }

    public string[] DataVersions { get; }

    public byte[][] Data { get; }

    public byte[][] Metadata { get; }

    /// <summary>Lays <paramref name="group"/> out as the append function's arrays (an append alone keeps its own).</summary>
    public static AppendBatch Of(IReadOnlyList<PendingAppend> group)
    {
        if (group.Count == 1)
        {
            return new AppendBatch(group[0]);
        }

        var events = 0;
        foreach (var append in group)
        {
            events += append.Count;
        }

        var batch = new AppendBatch(group.Count, events);
        var offset = 0;
        for (var i = 0; i < group.Count; i++)
        {
            var append = group[i];
            batch.StreamIds[i] = append.StreamId;
            batch.ExpectedVersions[i] = append.EncodedExpectedVersion;
            batch.Counts[i] = append.Count;
            batch.Appends.AsSpan(offset, append.Count).Fill(i + 1);
            append.EventIds.CopyTo(batch.EventIds, offset);
            append.EventTypes.CopyTo(batch.EventTypes, offset);
            append.DataVersions.CopyTo(batch.DataVersions, offset);
            append.Data.CopyTo(batch.Data, offset);
            append.Metadata.CopyTo(batch.Metadata, offset);
            offset += append.Count;
        }

        return batch;
    }
}
