using System.Runtime.InteropServices;
using EventBus.PostgreSql.Storage;
using Npgsql;

namespace EventBus.PostgreSql.EventStore.Snapshots;

/// <summary>Keeps the latest snapshot of each stream in the PostgreSQL schema.</summary>
internal sealed class PostgreSqlSnapshotStore : ISnapshotStore
{
    private readonly PostgreSqlDatabase _database;
    private readonly string _upsert;
    private readonly string _select;
    private readonly string _delete;

    public PostgreSqlSnapshotStore(PostgreSqlDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        var s = database.Schema;

        // One statement decides and writes: a stored snapshot is replaced by one of the same or a higher version, or
        // of another schema version; an older one of the same schema leaves it in place.
        _upsert = $"""
            INSERT INTO {s}.snapshots AS old (stream_id, stream_version, schema_version, data, created_ticks)
            VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (stream_id) DO UPDATE SET
                stream_version = excluded.stream_version,
                schema_version = excluded.schema_version,
                data = excluded.data,
                created_ticks = excluded.created_ticks
            WHERE excluded.stream_version >= old.stream_version OR excluded.schema_version <> old.schema_version
            """;
        _select = $"SELECT stream_version, schema_version, data, created_ticks FROM {s}.snapshots WHERE stream_id = $1";
        _delete = $"DELETE FROM {s}.snapshots WHERE stream_id = $1";
    }

    public async ValueTask SaveAsync(Snapshot snapshot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var data = MemoryMarshal.TryGetArray(snapshot.Data, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : snapshot.Data.ToArray();
        var command = await _database.CommandAsync(_upsert, cancellationToken).ConfigureAwait(false);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = snapshot.StreamId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = snapshot.StreamVersion });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = snapshot.SchemaVersion });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = data });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = snapshot.Created.UtcTicks });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<Snapshot?> LoadAsync(string streamId, CancellationToken cancellationToken = default)
    {
        StreamId.Validate(streamId, nameof(streamId));
        var command = await _database.CommandAsync(_select, cancellationToken).ConfigureAwait(false);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamId });
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new Snapshot(streamId, reader.GetInt64(0), reader.GetInt32(1), reader.GetFieldValue<byte[]>(2), new DateTimeOffset(reader.GetInt64(3), TimeSpan.Zero))
            : null;
    }

    public async ValueTask DeleteAsync(string streamId, CancellationToken cancellationToken = default)
    {
        StreamId.Validate(streamId, nameof(streamId));
        var command = await _database.CommandAsync(_delete, cancellationToken).ConfigureAwait(false);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamId });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
