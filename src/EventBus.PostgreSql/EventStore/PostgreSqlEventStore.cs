using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using EventBus.PostgreSql.Storage;
using Npgsql;
using NpgsqlTypes;

namespace EventBus.PostgreSql.EventStore;

/// <summary>The event store on PostgreSQL: streams and the global log of one schema, shared by every app instance
/// on the database. An append is one round trip (the batch goes as arrays to the schema's append function); the
/// global order is the commit order and never skips a committed event (see <see cref="PostgreSqlSchema"/>).
/// Behaves exactly like the in-memory store (same contract suite).</summary>
internal sealed class PostgreSqlEventStore : IEventStore
{
    private readonly PostgreSqlDatabase _database;
    private readonly string _append;
    private readonly string _findEvents;
    private readonly string _selectStream;
    private readonly string _readForwards;
    private readonly string _readBackwards;
    private readonly string _readAll;
    private readonly string _lockStream;
    private readonly string _createStream;
    private readonly string _tombstone;
    private readonly string _prune;
    private readonly string _updateFirstVersion;

    public PostgreSqlEventStore(PostgreSqlDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        var s = database.Schema;
        _append = $"SELECT o_outcome, o_stream_id, o_version, o_position FROM {s}.append_events($1, $2, $3, $4, $5, $6, $7, $8)";
        _findEvents = $"""
            SELECT e.event_id, s.stream_id, e.stream_version, e.position
            FROM {s}.events e JOIN {s}.streams s ON s.stream_key = e.stream_key
            WHERE e.event_id = ANY($1)
            """;
        _selectStream = $"SELECT version, first_version, deleted FROM {s}.streams WHERE stream_id = $1";
        const string Columns = "e.position, e.stream_version, e.event_id, e.event_type, e.data_version, e.data, e.metadata, e.recorded_ticks";
        _readForwards = $"""
            SELECT {Columns}
            FROM {s}.streams s JOIN {s}.events e ON e.stream_key = s.stream_key
            WHERE s.stream_id = $1 AND NOT s.deleted AND e.stream_version >= GREATEST($2, s.first_version)
            ORDER BY e.stream_version
            LIMIT $3
            """;
        _readBackwards = $"""
            SELECT {Columns}
            FROM {s}.streams s JOIN {s}.events e ON e.stream_key = s.stream_key
            WHERE s.stream_id = $1 AND NOT s.deleted AND e.stream_version <= $2 AND e.stream_version >= s.first_version
            ORDER BY e.stream_version DESC
            LIMIT $3
            """;
        _readAll = $"""
            SELECT {Columns}, s.stream_id
            FROM {s}.events e JOIN {s}.streams s ON s.stream_key = e.stream_key
            WHERE e.position >= $1 AND e.stream_version >= s.first_version
            ORDER BY e.position
            LIMIT $2
            """;
        _createStream = $"INSERT INTO {s}.streams (stream_id, version) VALUES ($1, 0) ON CONFLICT (stream_id) DO NOTHING";
        _lockStream = $"SELECT stream_key, version, first_version, deleted FROM {s}.streams WHERE stream_id = $1 FOR UPDATE";
        _tombstone = $"UPDATE {s}.streams SET deleted = true WHERE stream_key = $1";
        _prune = $"UPDATE {s}.events SET data = ''::bytea, metadata = ''::bytea WHERE stream_key = $1 AND stream_version >= $2 AND stream_version < $3";
        _updateFirstVersion = $"UPDATE {s}.streams SET first_version = $2 WHERE stream_key = $1";
    }

    public ValueTask<AppendResult> AppendAsync(string streamId, ExpectedVersion expectedVersion, IReadOnlyList<EventData> events, CancellationToken cancellationToken = default)
    {
        EventStoreArguments.ValidateAppend(streamId, events);
        return AppendCoreAsync(streamId, expectedVersion, events, cancellationToken);
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

    public async ValueTask<StreamInfo> GetStreamInfoAsync(string streamId, CancellationToken cancellationToken = default)
    {
        StreamId.Validate(streamId, nameof(streamId));
        var command = await _database.CommandAsync(_selectStream, cancellationToken).ConfigureAwait(false);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamId });
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new StreamInfo(streamId, reader.GetInt64(0), reader.GetInt64(1), reader.GetBoolean(2))
            : new StreamInfo(streamId, 0, 1, false);
    }

    public ValueTask DeleteStreamAsync(string streamId, ExpectedVersion expectedVersion, CancellationToken cancellationToken = default)
    {
        StreamId.Validate(streamId, nameof(streamId));
        return DeleteCoreAsync(streamId, expectedVersion, cancellationToken);
    }

    public ValueTask TruncateStreamAsync(string streamId, long beforeVersion, CancellationToken cancellationToken = default)
    {
        StreamId.Validate(streamId, nameof(streamId));
        return TruncateCoreAsync(streamId, beforeVersion, cancellationToken);
    }

    public ValueTask<long> GetHeadPositionAsync(CancellationToken cancellationToken = default) =>
        _database.ReadHeadAsync(cancellationToken);

    public ValueTask WaitForEventsAsync(long afterPosition, CancellationToken cancellationToken = default) =>
        _database.WaitForHeadAsync(afterPosition, cancellationToken);

    private static long Encode(ExpectedVersion expected) =>
        expected.Version is { } exact ? exact
        : expected == ExpectedVersion.Any ? -1
        : expected == ExpectedVersion.NoStream ? -2
        : -3;

    private static ArgumentException AlreadyStored(string eventId, EventLocation stored) =>
        new($"Event id '{eventId}' is already stored in stream '{stored.StreamId}' at version {stored.Version}, in another batch; use new ids for new events.", "events");

    private static byte[] ToArray(ReadOnlyMemory<byte> memory) =>
        MemoryMarshal.TryGetArray(memory, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : memory.ToArray();

    private static AppendResult Replay(string streamId, IReadOnlyList<EventData> events, List<EventLocation?> stored)
    {
        // An idempotent retry must match what was stored: same stream, same ids, consecutive versions.
        var first = stored[0]!;
        for (var i = 0; i < events.Count; i++)
        {
            var location = stored[i];
            if (location is null
                || !string.Equals(location.StreamId, streamId, StringComparison.Ordinal)
                || location.Version != first.Version + i)
            {
                throw location is null
                    ? new ArgumentException($"Event id '{events[0].EventId}' is already stored in stream '{first.StreamId}', but '{events[i].EventId}' of the same batch is not; a retry must repeat the original batch.", nameof(events))
                    : AlreadyStored(events[i].EventId, location);
            }
        }

        return new AppendResult(stored[^1]!.Version, stored[^1]!.Position);
    }

    private static EventRecord ReadRecord(NpgsqlDataReader reader, string streamId) => new(
        streamId,
        streamVersion: reader.GetInt64(1),
        position: reader.GetInt64(0),
        eventId: reader.GetString(2),
        eventType: reader.GetString(3),
        dataVersion: reader.GetString(4),
        data: reader.GetFieldValue<byte[]>(5),
        metadata: reader.GetFieldValue<byte[]>(6),
        recorded: new DateTimeOffset(reader.GetInt64(7), TimeSpan.Zero));

    private async ValueTask<AppendResult> AppendCoreAsync(string streamId, ExpectedVersion expectedVersion, IReadOnlyList<EventData> events, CancellationToken cancellationToken)
    {
        var count = events.Count;
        var ids = new string[count];
        var types = new string[count];
        var dataVersions = new string[count];
        var data = new byte[count][];
        var metadata = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            var e = events[i];
            ids[i] = e.EventId;
            types[i] = e.EventType;
            dataVersions[i] = e.DataVersion;
            data[i] = ToArray(e.Data);
            metadata[i] = ToArray(e.Metadata);
        }

        var outcome = -1;
        var stored = new List<EventLocation?>(count);
        AppendResult result = default;
        var command = await _database.CommandAsync(_append, cancellationToken).ConfigureAwait(false);
        await using (command.ConfigureAwait(false))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamId });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = Encode(expectedVersion) });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = types, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = dataVersions, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = data, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
            command.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = metadata, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = _database.TimeProvider.GetUtcNow().UtcTicks });
            try
            {
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using var readerScope = reader.ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    outcome = reader.GetInt32(0);
                    if (outcome == 0)
                    {
                        result = new AppendResult(reader.GetInt64(2), reader.GetInt64(3));
                    }
                    else
                    {
                        stored.Add(reader.IsDBNull(1) ? null : new EventLocation(reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3)));
                    }
                }
            }
            catch (PostgresException ex) when (ex.SqlState == PostgreSqlSchema.ConcurrencySqlState)
            {
                throw new EventStoreConcurrencyException(streamId, expectedVersion, long.Parse(ex.MessageText, CultureInfo.InvariantCulture));
            }
            catch (PostgresException ex) when (ex.SqlState == PostgreSqlSchema.StreamDeletedSqlState)
            {
                throw new StreamDeletedException(streamId);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation && ex.ConstraintName == PostgreSqlSchema.EventIdConstraint)
            {
                // An id of the batch (not the first) was stored earlier by another batch; the append rolled back.
                var found = await FindEventsAsync(ids, cancellationToken).ConfigureAwait(false);
                var conflict = ids.FirstOrDefault(found.ContainsKey);
                if (conflict is null)
                {
                    throw;
                }

                throw AlreadyStored(conflict, found[conflict]);
            }
        }

        switch (outcome)
        {
            case 0:
                _database.AppendCommitted(result.Position);
                return result;
            case 1:
                return Replay(streamId, events, stored);
            default:
                throw new InvalidOperationException($"The append function of schema '{_database.SchemaName}' returned no outcome; the schema may have been changed by hand.");
        }
    }

    private async ValueTask<Dictionary<string, EventLocation>> FindEventsAsync(string[] ids, CancellationToken cancellationToken)
    {
        var command = await _database.CommandAsync(_findEvents, cancellationToken).ConfigureAwait(false);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var found = new Dictionary<string, EventLocation>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            found[reader.GetString(0)] = new EventLocation(reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3));
        }

        return found;
    }

    private async ValueTask DeleteCoreAsync(string streamId, ExpectedVersion expectedVersion, CancellationToken cancellationToken)
    {
        var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var transactionScope = transaction.ConfigureAwait(false);
        var stream = await LockStreamAsync(connection, streamId, create: true, cancellationToken).ConfigureAwait(false);
        if (stream!.IsDeleted)
        {
            return;
        }

        if (!expectedVersion.IsSatisfiedBy(stream.Version))
        {
            // Disposing the transaction rolls back the row this call may have created.
            throw new EventStoreConcurrencyException(streamId, expectedVersion, stream.Version);
        }

        await ExecuteAsync(connection, _tombstone, cancellationToken, stream.Key).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask TruncateCoreAsync(string streamId, long beforeVersion, CancellationToken cancellationToken)
    {
        var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var transactionScope = transaction.ConfigureAwait(false);
        var stream = await LockStreamAsync(connection, streamId, create: false, cancellationToken).ConfigureAwait(false);
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
            return;
        }

        // The rows stay (their ids keep retries idempotent and their positions are never reused); the payloads go.
        await ExecuteAsync(connection, _prune, cancellationToken, stream.Key, stream.FirstVersion, beforeVersion).ConfigureAwait(false);
        await ExecuteAsync(connection, _updateFirstVersion, cancellationToken, stream.Key, beforeVersion).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<StreamRow?> LockStreamAsync(NpgsqlConnection connection, string streamId, bool create, CancellationToken cancellationToken)
    {
        if (create)
        {
            var insert = new NpgsqlCommand(_createStream, connection);
            await using var insertScope = insert.ConfigureAwait(false);
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamId });
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var select = new NpgsqlCommand(_lockStream, connection);

        await using var selectScope = select.ConfigureAwait(false);
        select.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamId });
        var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new StreamRow(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetBoolean(3))
            : null;
    }

    private static async ValueTask ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params long[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection);
        await using var commandScope = command.ConfigureAwait(false);
        foreach (var value in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = value });
        }

        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async IAsyncEnumerable<EventRecord> ReadStreamCoreAsync(string streamId, ReadDirection direction, long? fromVersion, long maxCount, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var forwards = direction == ReadDirection.Forwards;
        var next = fromVersion ?? (forwards ? 1 : long.MaxValue);
        var remaining = maxCount;
        while (remaining > 0)
        {
            var take = (int)Math.Min(remaining, PostgreSqlConstants.ReadPageSize);

            // A page is read and the connection returned to the pool before anything is yielded, so a slow consumer
            // holds no connection.
            var page = new List<EventRecord>(take);
            var command = await _database.CommandAsync(forwards ? _readForwards : _readBackwards, cancellationToken).ConfigureAwait(false);
            await using (command.ConfigureAwait(false))
            {
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamId });
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = next });
                command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = take });
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using var readerScope = reader.ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    page.Add(ReadRecord(reader, streamId));
                }
            }

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
    }

    private async IAsyncEnumerable<EventRecord> ReadAllCoreAsync(long fromPosition, long maxCount, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var next = fromPosition;
        var remaining = maxCount;
        while (remaining > 0)
        {
            var take = (int)Math.Min(remaining, PostgreSqlConstants.ReadPageSize);
            var page = new List<EventRecord>(take);
            var command = await _database.CommandAsync(_readAll, cancellationToken).ConfigureAwait(false);
            await using (command.ConfigureAwait(false))
            {
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = next });
                command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = take });
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using var readerScope = reader.ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    page.Add(ReadRecord(reader, reader.GetString(8)));
                }
            }

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
    }

    private sealed record StreamRow(long Key, long Version, long FirstVersion, bool IsDeleted);

    private sealed record EventLocation(string StreamId, long Version, long Position);
}
