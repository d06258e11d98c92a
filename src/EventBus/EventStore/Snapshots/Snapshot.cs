namespace EventBus;

/// <summary>The serialized state of an aggregate at one stream version.</summary>
/// <param name="streamId">The stream the state was built from.</param>
/// <param name="streamVersion">The version of the last event folded into the state.</param>
/// <param name="schemaVersion">The schema version of the state type when the snapshot was written; a snapshot of
/// another schema version is ignored on load.</param>
/// <param name="data">The serialized state.</param>
/// <param name="created">When the snapshot was taken.</param>
public sealed class Snapshot(string streamId, long streamVersion, int schemaVersion, ReadOnlyMemory<byte> data, DateTimeOffset created)
{
    /// <summary>Gets the stream the state was built from.</summary>
    public string StreamId { get; } = StreamIdOrThrow(streamId);

    /// <summary>Gets the version of the last event folded into the state.</summary>
    public long StreamVersion { get; } = streamVersion >= 1
        ? streamVersion
        : throw new ArgumentOutOfRangeException(nameof(streamVersion), streamVersion, "A snapshot covers at least one event (version 1 or more).");

    /// <summary>Gets the schema version of the state type when the snapshot was written.</summary>
    public int SchemaVersion { get; } = schemaVersion;

    /// <summary>Gets the serialized state.</summary>
    public ReadOnlyMemory<byte> Data { get; } = data;

    /// <summary>Gets when the snapshot was taken.</summary>
    public DateTimeOffset Created { get; } = created;

    private static string StreamIdOrThrow(string streamId) => EventBus.StreamId.Validate(streamId, nameof(streamId));
}
