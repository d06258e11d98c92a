using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace EventBus.PostgreSql.Tests.TestSupport;

/// <summary>Appends through the schema's append function on a connection the test controls, so a test can keep the
/// append's transaction open (as a slow app instance would) and watch what other writers and readers do meanwhile.</summary>
internal static class RawAppend
{
    /// <summary>Runs the append function inside <paramref name="transaction"/> (not committed) and returns the last
    /// position it drew.</summary>
    public static async Task<long> AppendAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string schema, string streamId, IReadOnlyList<string> eventIds, CancellationToken cancellationToken = default)
    {
        await using var command = new NpgsqlCommand($"SELECT o_outcome, o_position FROM \"{schema}\".append_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [streamId], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [-1], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [eventIds.Count], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [.. eventIds.Select(_ => 1)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. eventIds], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. eventIds.Select(_ => "test.happened")], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. eventIds.Select(_ => "1.0")], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = [.. eventIds.Select(id => Encoding.UTF8.GetBytes($"{{\"id\":\"{id}\"}}"))], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        command.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = [.. eventIds.Select(_ => "{}"u8.ToArray())], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = 0 });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        (await reader.ReadAsync(cancellationToken)).Should().BeTrue();
        reader.GetInt32(0).Should().Be(0, "the raw append must append, not replay");
        return reader.GetInt64(1);
    }

    /// <summary>Completes when another session waits for the schema's append lock (held by an open raw append), or
    /// when <paramref name="stopWaiting"/> says no writer is left to wait. Checks the server's lock table; no sleeps.</summary>
    /// <returns>true when a waiting append was seen; otherwise, false.</returns>
    public static async Task<bool> WaitUntilAnAppendQueuesAsync(NpgsqlDataSource observer, string schema, Func<bool> stopWaiting, CancellationToken cancellationToken)
    {
        // The append lock's bigint key shows in pg_locks as classid (high 32 bits) and objid (the events table oid).
        var sql = $"""
            SELECT EXISTS (
                SELECT 1 FROM pg_locks
                WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                  AND classid = {0x45420000}::oid AND objid = '"{schema}".events'::regclass::oid)
            """;
        while (!stopWaiting())
        {
            cancellationToken.ThrowIfCancellationRequested();
            await using var command = observer.CreateCommand(sql);
            if (await command.ExecuteScalarAsync(cancellationToken) is true)
            {
                return true;
            }

            await Task.Yield();
        }

        return false;
    }
}
