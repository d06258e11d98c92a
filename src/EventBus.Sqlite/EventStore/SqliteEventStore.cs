using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using EventBus.Sqlite.Storage;
using Microsoft.Data.Sqlite;

namespace EventBus.Sqlite.EventStore;

/// <summary>The durable event store: streams and the global log in one SQLite file. Appends, deletes and truncations
/// go through the database's single writer (group commit); reads run on pooled read connections and never wait for
/// the writer. Behaves exactly like the in-memory store (same contract suite).</summary>
internal sealed class SqliteEventStore(SqliteDatabase database) : IEventStore
{
    private const string SelectEventById = """
        SELECT s.stream_id, e.stream_version, e.position
        FROM eventbus_events e JOIN eventbus_streams s ON s.stream_key = e.stream_key
        WHERE e.event_id = $event_id
        """;

    private const string SelectStream = "SELECT stream_key, version, first_version, deleted FROM eventbus_streams WHERE stream_id = $stream_id";
    private const string InsertStream = "INSERT INTO eventbus_streams (stream_id, version, first_version, deleted) VALUES ($stream_id, $version, 1, $deleted) RETURNING stream_key";
    private const string UpdateStreamVersion = "UPDATE eventbus_streams SET version = $version WHERE stream_key = $stream_key";

    // The stream row (if any) and the head of the log in one statement: the row of the one-row subquery survives the
    // LEFT JOIN when the stream does not exist yet.
    private const string SelectStreamAndHead = """
        SELECT (SELECT COALESCE(MAX(position), 0) FROM eventbus_events), s.stream_key, s.version, s.first_version, s.deleted
        FROM (SELECT 1) LEFT JOIN eventbus_streams s ON s.stream_id = $stream_id
        """;

    private const string InsertEvent = """
        INSERT INTO eventbus_events (position, stream_key, stream_version, event_id, event_type, data_version, data, metadata, recorded_ticks)
        VALUES ($position, $stream_key, $stream_version, $event_id, $event_type, $data_version, $data, $metadata, $recorded_ticks)
        """;

    private const string ReadForwards = """
        SELECT e.position, e.stream_version, e.event_id, e.event_type, e.data_version, e.data, e.metadata, e.recorded_ticks
        FROM eventbus_streams s JOIN eventbus_events e ON e.stream_key = s.stream_key
        WHERE s.stream_id = $stream_id AND s.deleted = 0 AND e.stream_version >= MAX($from_version, s.first_version)
        ORDER BY e.stream_version
        LIMIT $take
        """;

    private const string ReadBackwards = """
        SELECT e.position, e.stream_version, e.event_id, e.event_type, e.data_version, e.data, e.metadata, e.recorded_ticks
        FROM eventbus_streams s JOIN eventbus_events e ON e.stream_key = s.stream_key
        WHERE s.stream_id = $stream_id AND s.deleted = 0 AND e.stream_version <= $from_version AND e.stream_version >= s.first_version
        ORDER BY e.stream_version DESC
        LIMIT $take
        """;

    // CROSS JOIN keeps the events table outermost: a range scan of the log by position, one stream lookup per row.
    private const string ReadAll = """
        SELECT e.position, e.stream_version, e.event_id, e.event_type, e.data_version, e.data, e.metadata, e.recorded_ticks, s.stream_id
        FROM eventbus_events e CROSS JOIN eventbus_streams s ON s.stream_key = e.stream_key
        WHERE e.position >= $from_position AND e.stream_version >= s.first_version
        ORDER BY e.position
        LIMIT $take
        """;

    private const string Tombstone = "UPDATE eventbus_streams SET deleted = 1 WHERE stream_key = $stream_key";

    private const string Prune = """
        UPDATE eventbus_events SET data = zeroblob(0), metadata = zeroblob(0)
        WHERE stream_key = $stream_key AND stream_version >= $first_version AND stream_version < $before_version
        """;

    private const string UpdateFirstVersion = "UPDATE eventbus_streams SET first_version = $first_version WHERE stream_key = $stream_key";

    public ValueTask<AppendResult> AppendAsync(string streamId, ExpectedVersion expectedVersion, IReadOnlyList<EventData> events, CancellationToken cancellationToken = default)
    {
        EventStoreArguments.ValidateAppend(streamId, events);
        var batch = events.ToArray();
        return new ValueTask<AppendResult>(database.WriteAsync(session => Append(session, streamId, expectedVersion, batch), cancellationToken));
    }

    public IAsyncEnumerable<EventRecord> ReadStreamAsync(string streamId, ReadDirection direction = ReadDirection.Forwards, long? fromVersion = null, long maxCount = long.MaxValue, CancellationToken cancellationToken = default)
    {
        EventStoreArguments.ValidateReadStream(streamId, direction, fromVersion, maxCount);
        return ReadStreamCoreAsync(streamId, direction, fromVersion, maxCount, cancellationToken);
    }

    public IAsyncEnumerable<EventRecord> ReadAllAsync(long fromPosition = 0, long maxCount = long.MaxValue, CancellationToken cancellationToken = default)
    {
        EventStoreArguments.ValidateReadAll(fromPosition, maxCount);
        return ReadAllCoreAsync(Math.Max(fromPosition, 1), maxCount, cancellationToken);
    }

    public ValueTask<StreamInfo> GetStreamInfoAsync(string streamId, CancellationToken cancellationToken = default)
    {
        StreamId.Validate(streamId, nameof(streamId));
        cancellationToken.ThrowIfCancellationRequested();
        var stream = database.Read(streamId, static (session, id) => FindStream(session, id));
        return ValueTask.FromResult(stream is { } s
            ? new StreamInfo(streamId, s.Version, s.FirstVersion, s.IsDeleted)
            : new StreamInfo(streamId, 0, 1, false));
    }

    public ValueTask DeleteStreamAsync(string streamId, ExpectedVersion expectedVersion, CancellationToken cancellationToken = default)
    {
        StreamId.Validate(streamId, nameof(streamId));
        return new ValueTask(database.WriteAsync(session => Delete(session, streamId, expectedVersion), cancellationToken));
    }

    public ValueTask TruncateStreamAsync(string streamId, long beforeVersion, CancellationToken cancellationToken = default)
    {
        StreamId.Validate(streamId, nameof(streamId));
        return new ValueTask(database.WriteAsync(session => Truncate(session, streamId, beforeVersion), cancellationToken));
    }

    public ValueTask<long> GetHeadPositionAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var head = database.ReadHead();

        // A head read from the file also covers commits of other processes: let waiters know.
        database.ObserveHead(head);
        return ValueTask.FromResult(head);
    }

    public ValueTask WaitForEventsAsync(long afterPosition, CancellationToken cancellationToken = default) =>
        database.WaitForHeadAsync(afterPosition, cancellationToken);

    private static ArgumentException AlreadyStored(string eventId, EventLocation stored) =>
        new($"Event id '{eventId}' is already stored in stream '{stored.StreamId}' at version {stored.Version}, in another batch; use new ids for new events.", "events");

    private AppendResult Append(SqliteSession session, string streamId, ExpectedVersion expectedVersion, EventData[] events)
    {
        var (stream, position) = FindStreamAndHead(session, streamId);
        var version = stream?.Version ?? 0L;

        // An idempotent retry finds its stream moved on (or deleted) and is answered with what was stored. A retry
        // that still satisfies the expected version (ExpectedVersion.Any) is caught by the event-id index below: no
        // lookup by id on the path of a new batch.
        if (stream is { IsDeleted: true } || !expectedVersion.IsSatisfiedBy(version))
        {
            if (FindEvent(session, events[0].EventId) is { } stored)
            {
                return Replay(session, streamId, events, stored);
            }

            throw stream is { IsDeleted: true }
                ? new StreamDeletedException(streamId)
                : new EventStoreConcurrencyException(streamId, expectedVersion, version);
        }

        var streamKey = stream?.Key ?? CreateStream(session, streamId, deleted: false);
        var recorded = database.TimeProvider.GetUtcNow().UtcTicks;
        var insert = session.CommandWithParameters(InsertEvent);
        if (insert.Parameters.Count == 0)
        {
            AddInsertParameters(insert.Parameters);
        }

        var parameters = insert.Parameters;
        parameters[1].Value = streamKey;
        parameters[8].Value = recorded;
        for (var i = 0; i < events.Length; i++)
        {
            var data = events[i];
            parameters[0].Value = ++position;
            parameters[2].Value = ++version;
            parameters[3].Value = data.EventId;
            parameters[4].Value = data.EventType;
            parameters[5].Value = data.DataVersion;
            parameters[6].Value = ToArray(data.Data);
            parameters[7].Value = ToArray(data.Metadata);
            try
            {
                insert.ExecuteNonQuery();
            }
            catch (SqliteException ex) when (ex.SqliteExtendedErrorCode == 2067 && FindEvent(session, data.EventId) is { } stored)
            {
                // SQLITE_CONSTRAINT_UNIQUE on the event id. The first id stored: a retry of a batch (nothing of this
                // one is written yet). A later one: stored earlier by another batch; the writer rolls this append back.
                if (i == 0)
                {
                    return Replay(session, streamId, events, stored);
                }

                throw AlreadyStored(data.EventId, stored);
            }
        }

        var update = session.Command(UpdateStreamVersion);
        update.Parameters.AddWithValue("$version", version);
        update.Parameters.AddWithValue("$stream_key", streamKey);
        update.ExecuteNonQuery();
        session.PendingHead = Math.Max(session.PendingHead, position);
        return new AppendResult(version, position);
    }

    /// <summary>The parameters of <see cref="InsertEvent"/>, created once per connection and set by index.</summary>
    private static void AddInsertParameters(SqliteParameterCollection parameters)
    {
        parameters.Add("$position", SqliteType.Integer);
        parameters.Add("$stream_key", SqliteType.Integer);
        parameters.Add("$stream_version", SqliteType.Integer);
        parameters.Add("$event_id", SqliteType.Text);
        parameters.Add("$event_type", SqliteType.Text);
        parameters.Add("$data_version", SqliteType.Text);
        parameters.Add("$data", SqliteType.Blob);
        parameters.Add("$metadata", SqliteType.Blob);
        parameters.Add("$recorded_ticks", SqliteType.Integer);
    }

    private static AppendResult Replay(SqliteSession session, string streamId, EventData[] events, EventLocation first)
    {
        // An idempotent retry must match what was stored: same stream, same ids, consecutive versions.
        var last = first;
        for (var i = 0; i < events.Length; i++)
        {
            var stored = i == 0 ? first : FindEvent(session, events[i].EventId);
            if (stored is null
                || !string.Equals(stored.StreamId, streamId, StringComparison.Ordinal)
                || stored.Version != first.Version + i)
            {
                throw stored is null
                    ? new ArgumentException($"Event id '{events[0].EventId}' is already stored in stream '{first.StreamId}', but '{events[i].EventId}' of the same batch is not; a retry must repeat the original batch.", nameof(events))
                    : AlreadyStored(events[i].EventId, stored);
            }

            last = stored;
        }

        return new AppendResult(last.Version, last.Position);
    }

    private static bool Delete(SqliteSession session, string streamId, ExpectedVersion expectedVersion)
    {
        var stream = FindStream(session, streamId);
        if (stream is { IsDeleted: true })
        {
            return false;
        }

        var version = stream?.Version ?? 0L;
        if (!expectedVersion.IsSatisfiedBy(version))
        {
            throw new EventStoreConcurrencyException(streamId, expectedVersion, version);
        }

        if (stream is null)
        {
            CreateStream(session, streamId, deleted: true);
            return true;
        }

        var tombstone = session.Command(Tombstone);
        tombstone.Parameters.AddWithValue("$stream_key", stream.Key);
        tombstone.ExecuteNonQuery();
        return true;
    }

    private static bool Truncate(SqliteSession session, string streamId, long beforeVersion)
    {
        var stream = FindStream(session, streamId);
        if (stream is { IsDeleted: true })
        {
            throw new StreamDeletedException(streamId);
        }

        var version = stream?.Version ?? 0L;
        if (beforeVersion < 1 || beforeVersion > version + 1)
        {
            throw new ArgumentOutOfRangeException(nameof(beforeVersion), beforeVersion,
                $"Stream '{streamId}' is at version {version}; truncate before a version from 1 to {version + 1}.");
        }

        if (stream is null || beforeVersion <= stream.FirstVersion)
        {
            return false;
        }

        // The rows stay (their ids keep retries idempotent and their positions are never reused); the payloads go.
        var prune = session.Command(Prune);
        prune.Parameters.AddWithValue("$stream_key", stream.Key);
        prune.Parameters.AddWithValue("$first_version", stream.FirstVersion);
        prune.Parameters.AddWithValue("$before_version", beforeVersion);
        prune.ExecuteNonQuery();
        var update = session.Command(UpdateFirstVersion);
        update.Parameters.AddWithValue("$first_version", beforeVersion);
        update.Parameters.AddWithValue("$stream_key", stream.Key);
        update.ExecuteNonQuery();
        return true;
    }

    private static long CreateStream(SqliteSession session, string streamId, bool deleted)
    {
        var insert = session.Command(InsertStream);
        insert.Parameters.AddWithValue("$stream_id", streamId);
        insert.Parameters.AddWithValue("$version", 0L);
        insert.Parameters.AddWithValue("$deleted", deleted ? 1 : 0);
        return (long)insert.ExecuteScalar()!;
    }

    private static StreamRow? FindStream(SqliteSession session, string streamId)
    {
        var select = session.Command(SelectStream);
        select.Parameters.AddWithValue("$stream_id", streamId);
        using var reader = select.ExecuteReader();
        return reader.Read()
            ? new StreamRow(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3) != 0)
            : null;
    }

    private static (StreamRow? Stream, long Head) FindStreamAndHead(SqliteSession session, string streamId)
    {
        var select = session.Command(SelectStreamAndHead);
        select.Parameters.AddWithValue("$stream_id", streamId);
        using var reader = select.ExecuteReader();
        reader.Read();
        var head = reader.GetInt64(0);
        return reader.IsDBNull(1)
            ? (null, head)
            : (new StreamRow(reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4) != 0), head);
    }

    private static EventLocation? FindEvent(SqliteSession session, string eventId)
    {
        var select = session.Command(SelectEventById);
        select.Parameters.AddWithValue("$event_id", eventId);
        using var reader = select.ExecuteReader();
        return reader.Read() ? new EventLocation(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)) : null;
    }

    private static byte[] ToArray(ReadOnlyMemory<byte> memory) =>
        MemoryMarshal.TryGetArray(memory, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : memory.ToArray();

    private static EventRecord ReadRecord(SqliteDataReader reader, string streamId) => new(
        streamId,
        streamVersion: reader.GetInt64(1),
        position: reader.GetInt64(0),
        eventId: reader.GetString(2),
        eventType: reader.GetString(3),
        dataVersion: reader.GetString(4),
        data: ReadBlob(reader, 5),
        metadata: ReadBlob(reader, 6),
        recorded: new DateTimeOffset(reader.GetInt64(7), TimeSpan.Zero));

    private static byte[] ReadBlob(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? [] : (byte[])reader.GetValue(ordinal);

    private static List<EventRecord> ReadStreamPage(SqliteSession session, (string StreamId, bool Forwards, long From, int Take) page)
    {
        var select = session.Command(page.Forwards ? ReadForwards : ReadBackwards);
        select.Parameters.AddWithValue("$stream_id", page.StreamId);
        select.Parameters.AddWithValue("$from_version", page.From);
        select.Parameters.AddWithValue("$take", page.Take);
        using var reader = select.ExecuteReader();
        var records = new List<EventRecord>(Math.Min(page.Take, SqliteConstants.ReadPageSize));
        while (reader.Read())
        {
            records.Add(ReadRecord(reader, page.StreamId));
        }

        return records;
    }

    private static List<EventRecord> ReadAllPage(SqliteSession session, (long From, int Take) page)
    {
        var select = session.Command(ReadAll);
        select.Parameters.AddWithValue("$from_position", page.From);
        select.Parameters.AddWithValue("$take", page.Take);
        using var reader = select.ExecuteReader();
        var records = new List<EventRecord>(Math.Min(page.Take, SqliteConstants.ReadPageSize));
        while (reader.Read())
        {
            records.Add(ReadRecord(reader, reader.GetString(8)));
        }

        return records;
    }

    private async IAsyncEnumerable<EventRecord> ReadStreamCoreAsync(string streamId, ReadDirection direction, long? fromVersion, long maxCount, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var forwards = direction == ReadDirection.Forwards;
        var next = fromVersion ?? (forwards ? 1 : long.MaxValue);
        var remaining = maxCount;
        while (remaining > 0 && next >= 1)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var take = (int)Math.Min(remaining, SqliteConstants.ReadPageSize);

            // A page is read and the connection returned before anything is yielded: a slow consumer holds no
            // read transaction open (which would keep the WAL from being checkpointed).
            var page = database.Read((streamId, forwards, next, take), ReadStreamPage);
            foreach (var record in page)
            {
                yield return record;
            }

            if (page.Count < take)
            {
                yield break;
            }

            remaining -= page.Count;
            next = forwards ? page[^1].StreamVersion + 1 : page[^1].StreamVersion - 1;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    private async IAsyncEnumerable<EventRecord> ReadAllCoreAsync(long fromPosition, long maxCount, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var next = fromPosition;
        var remaining = maxCount;
        while (remaining > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var take = (int)Math.Min(remaining, SqliteConstants.ReadPageSize);
            var page = database.Read((next, take), ReadAllPage);
            foreach (var record in page)
            {
                yield return record;
            }

            if (page.Count < take)
            {
                yield break;
            }

            remaining -= page.Count;
            next = page[^1].Position + 1;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    private sealed record StreamRow(long Key, long Version, long FirstVersion, bool IsDeleted);

    private sealed record EventLocation(string StreamId, long Version, long Position);
}
