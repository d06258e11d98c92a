using System.Runtime.CompilerServices;
using EventBus.PostgreSql.Storage;
using Npgsql;

namespace EventBus.PostgreSql.EventStore;

/// <summary>The event store on PostgreSQL: streams and the global log of one schema, shared by every app instance
/// on the database. An append is one round trip (the batch goes as arrays to the schema's append function), and
/// concurrent appends of this process share one (group commit, see <see cref="AppendGroupCommitter"/>); the
/// global order is the commit order and never skips a committed event (see <see cref="PostgreSqlSchema"/>).
/// Behaves exactly like the in-memory store (same contract suite).</summary>
internal sealed class PostgreSqlEventStore : IEventStore
{
    private readonly PostgreSqlDatabase _database;
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
        Appends = database.Own(new AppendGroupCommitter(database));
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

    /// <summary>Gets the group commit that carries this store's appends.</summary>
    public AppendGroupCommitter Appends { get; }

    public ValueTask<AppendResult> AppendAsync(string streamId, ExpectedVersion expectedVersion, IReadOnlyList<EventData> events, CancellationToken cancellationToken = default)
    {
        EventStoreArguments.ValidateAppend(streamId, events);
        return Appends.AppendAsync(new PendingAppend(streamId, expectedVersion, events), cancellationToken);
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
}
