using System.Runtime.InteropServices;
using EventBus.Sqlite.Storage;

namespace EventBus.Sqlite.EventStore.Snapshots;

/// <summary>Keeps the latest snapshot of each stream in the SQLite database; saves go through the single writer.</summary>
internal sealed class SqliteSnapshotStore(SqliteDatabase database) : ISnapshotStore
{
    // One statement decides and writes: a stored snapshot is replaced by one of the same or a higher version, or of
    // another schema version; an older one of the same schema leaves it in place.
    private const string Upsert = """
        INSERT INTO eventbus_snapshots (stream_id, stream_version, schema_version, data, created_ticks)
        VALUES ($stream_id, $stream_version, $schema_version, $data, $created_ticks)
        ON CONFLICT (stream_id) DO UPDATE SET
            stream_version = excluded.stream_version,
            schema_version = excluded.schema_version,
            data = excluded.data,
            created_ticks = excluded.created_ticks
        WHERE excluded.stream_version >= eventbus_snapshots.stream_version
           OR excluded.schema_version <> eventbus_snapshots.schema_version
        """;

    private const string Select = "SELECT stream_version, schema_version, data, created_ticks FROM eventbus_snapshots WHERE stream_id = $stream_id";
    private const string Delete = "DELETE FROM eventbus_snapshots WHERE stream_id = $stream_id";

    public ValueTask SaveAsync(Snapshot snapshot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var data = MemoryMarshal.TryGetArray(snapshot.Data, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : snapshot.Data.ToArray();
        return new ValueTask(database.WriteAsync(
            session =>
            {
                var upsert = session.Command(Upsert);
                upsert.Parameters.AddWithValue("$stream_id", snapshot.StreamId);
                upsert.Parameters.AddWithValue("$stream_version", snapshot.StreamVersion);
                upsert.Parameters.AddWithValue("$schema_version", snapshot.SchemaVersion);
                upsert.Parameters.AddWithValue("$data", data);
                upsert.Parameters.AddWithValue("$created_ticks", snapshot.Created.UtcTicks);
                return upsert.ExecuteNonQuery();
            },
            cancellationToken));
    }

    public ValueTask<Snapshot?> LoadAsync(string streamId, CancellationToken cancellationToken = default)
    {
        StreamId.Validate(streamId, nameof(streamId));
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(database.Read(streamId, static (session, id) =>
        {
            var select = session.Command(Select);
            select.Parameters.AddWithValue("$stream_id", id);
            using var reader = select.ExecuteReader();
            return reader.Read()
                ? new Snapshot(id, reader.GetInt64(0), reader.GetInt32(1), reader.IsDBNull(2) ? [] : (byte[])reader.GetValue(2), new DateTimeOffset(reader.GetInt64(3), TimeSpan.Zero))
                : null;
        }));
    }

    public ValueTask DeleteAsync(string streamId, CancellationToken cancellationToken = default)
    {
        StreamId.Validate(streamId, nameof(streamId));
        return new ValueTask(database.WriteAsync(
            session =>
            {
                var delete = session.Command(Delete);
                delete.Parameters.AddWithValue("$stream_id", streamId);
                return delete.ExecuteNonQuery();
            },
            cancellationToken));
    }
}
