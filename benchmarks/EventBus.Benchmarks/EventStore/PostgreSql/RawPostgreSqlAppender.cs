using System.Runtime.InteropServices;
using Npgsql;
using NpgsqlTypes;

namespace EventBus.Benchmarks.EventStore.PostgreSql;

/// <summary>
/// The raw Npgsql reference for appends: one round trip per batch (an <see cref="NpgsqlBatch"/> of two statements in
/// one implicit transaction), the batch sent as arrays and inserted with <c>unnest</c>, into a table with the same
/// columns, primary key and unique indexes as EventBus's <c>events</c> table, with EventBus's global-order mechanism: a
/// transaction-level advisory lock, then positions drawn as <c>max(position) + n</c> (the second statement takes
/// its snapshot after the lock is granted, so it sees every earlier append). No stream row, no expected-version
/// check (the caller knows its version; the unique index still rejects a clash), no idempotency lookup: what a
/// hand-written append of the same rows costs.
/// </summary>
public sealed class RawPostgreSqlAppender
{
    private const long LockKey = 0x5241_5700_0000_0001; // any key of its own: the lock serializes this table's appends

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _insert;

    public RawPostgreSqlAppender(NpgsqlDataSource dataSource, string schema)
    {
        _dataSource = dataSource;
        _insert = $"""
            INSERT INTO "{schema}".events (position, stream_key, stream_version, event_id, event_type, data_version, data, metadata, recorded_ticks)
            SELECT h.head + b.n, $1, $2 + b.n, b.id, b.t, b.dv, b.d, b.m, $8
            FROM (SELECT COALESCE(max(position), 0) AS head FROM "{schema}".events) h,
                 unnest($3::text[], $4::text[], $5::text[], $6::bytea[], $7::bytea[]) WITH ORDINALITY AS b(id, t, dv, d, m, n)
            """;
    }

    /// <summary>The table, shaped like EventBus's <c>events</c> (without the foreign key to a stream table).</summary>
    public static string Schema(string schema) => $"""
        CREATE SCHEMA "{schema}";
        CREATE TABLE "{schema}".events (
            position bigint NOT NULL PRIMARY KEY,
            stream_key bigint NOT NULL,
            stream_version bigint NOT NULL,
            event_id text NOT NULL,
            event_type text NOT NULL,
            data_version text NOT NULL,
            data bytea NOT NULL,
            metadata bytea NOT NULL,
            recorded_ticks bigint NOT NULL,
            CONSTRAINT events_stream_version_key UNIQUE (stream_key, stream_version),
            CONSTRAINT events_event_id_key UNIQUE (event_id)
        );
        """;

    /// <summary>Inserts <paramref name="events"/> after <paramref name="version"/> of stream
    /// <paramref name="streamKey"/> in one round trip; returns the new version.</summary>
    public async Task<long> AppendAsync(long streamKey, long version, IReadOnlyList<EventData> events)
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
            data[i] = Bytes(e.Data);
            metadata[i] = Bytes(e.Metadata);
        }

        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var batch = new NpgsqlBatch(connection);
        var lockCommand = new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock($1)");
        lockCommand.Parameters.Add(new NpgsqlParameter<long> { TypedValue = LockKey });
        batch.BatchCommands.Add(lockCommand);
        var insert = new NpgsqlBatchCommand(_insert);
        insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = streamKey });
        insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = version });
        insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = types, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = dataVersions, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        insert.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = data, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        insert.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = metadata, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = DateTimeOffset.UtcNow.UtcTicks });
        batch.BatchCommands.Add(insert);
        var inserted = await batch.ExecuteNonQueryAsync();
        return inserted >= count ? version + count : throw new InvalidOperationException($"The raw append inserted {inserted} rows, not {count}.");
    }

    // As the store does: no copy when the payload is a whole array.
    private static byte[] Bytes(ReadOnlyMemory<byte> memory) =>
        MemoryMarshal.TryGetArray(memory, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : memory.ToArray();
}
