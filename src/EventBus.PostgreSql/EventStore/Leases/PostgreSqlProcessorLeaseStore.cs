using System.Globalization;
using EventBus.PostgreSql.EventStore.Checkpoints;
using EventBus.PostgreSql.Storage;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EventBus.PostgreSql.EventStore.Leases;

/// <summary>Processor leases as rows of the schema's <c>processor_leases</c> table, shared by every app instance on
/// the database: one row per processor with its holder, a fencing token that grows on every change of hands, and an
/// expiry on the database clock. Checkpoints saved through a lease are fenced by that row.</summary>
/// <remarks>A lease row rather than a session-level advisory lock: an advisory lock belongs to one connection, so
/// it lasts as long as the server believes that connection alive (for a client that vanished without closing its
/// socket, until TCP keepalive gives up), and a checkpoint written on another pooled connection cannot cheaply prove
/// the lock is still held. A row expires on the database clock after a bounded time, whatever happened to the
/// holder, and the checkpoint write checks holder and token in the same statement.</remarks>
internal sealed class PostgreSqlProcessorLeaseStore : IProcessorLeaseStore
{
    private readonly PostgreSqlDatabase _database;
    private readonly TimeSpan _duration;
    private readonly string _acquire;
    private readonly string _renew;
    private readonly string _release;
    private readonly string _save;

    public PostgreSqlProcessorLeaseStore(PostgreSqlDatabase database, IOptions<PostgreSqlOptions> options)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(options);
        _database = database;
        _duration = options.Value.LeaseDuration;
        AcquireInterval = options.Value.LeaseAcquireInterval;
        RenewInterval = options.Value.LeaseRenewInterval;

        // Names the holder in the table for whoever looks (host and process, never connection details); the random
        // part keeps two stores of one process apart.
        Holder = string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}");
        var s = database.Schema;
        _acquire = $"""
            INSERT INTO {s}.processor_leases AS l (name, holder, fencing_token, expires_at)
            VALUES ($1, $2, 1, clock_timestamp() + $3)
            ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, fencing_token = l.fencing_token + 1, expires_at = excluded.expires_at
            WHERE l.holder IS NULL OR l.expires_at <= clock_timestamp()
            RETURNING l.fencing_token
            """;
        _renew = $"UPDATE {s}.processor_leases SET expires_at = clock_timestamp() + $4 WHERE name = $1 AND holder = $2 AND fencing_token = $3 AND expires_at > clock_timestamp()";
        _release = $"UPDATE {s}.processor_leases SET holder = NULL, expires_at = clock_timestamp() WHERE name = $1 AND holder = $2 AND fencing_token = $3";

        // FOR SHARE: a takeover (which updates the row) waits for this save to commit, and a save that waited for a
        // takeover re-checks the new row version and writes nothing.
        _save = $"""
            WITH held AS (
                SELECT 1 FROM {s}.processor_leases
                WHERE name = $1 AND holder = $2 AND fencing_token = $3 AND expires_at > clock_timestamp()
                FOR SHARE)
            INSERT INTO {s}.checkpoints (name, position) SELECT $1, $4 FROM held
            ON CONFLICT (name) DO UPDATE SET position = excluded.position
            """;
    }

    public TimeSpan AcquireInterval { get; }

    public TimeSpan RenewInterval { get; }

    /// <summary>Gets the holder id this store writes into the rows of the leases it holds.</summary>
    public string Holder { get; }

    public async ValueTask<IProcessorLease?> TryAcquireAsync(string name, CancellationToken cancellationToken = default)
    {
        PostgreSqlCheckpointStore.ValidateName(name);

        // The holding is counted from just before the statement, but not from before a first start's migration.
        await _database.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        var attempted = _database.TimeProvider.GetTimestamp();
        var command = await _database.CommandAsync(_acquire, cancellationToken).ConfigureAwait(false);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Holder });
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = _duration });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long token
            ? new Lease(this, name, token, attempted)
            : null;
    }

    private async ValueTask<int> ExecuteAsync(string sql, string name, long token, object? value, CancellationToken cancellationToken)
    {
        var command = await _database.CommandAsync(sql, cancellationToken).ConfigureAwait(false);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Holder });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = token });
        if (value is not null)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One holding of a lease. It counts as held, on this side, for the lease duration from the start of
    /// the last statement that granted or renewed it: the database's expiry, counted from when the statement ran,
    /// is never earlier, so the holder stops before anyone can take over.</summary>
    private sealed class Lease(PostgreSqlProcessorLeaseStore store, string name, long token, long grantedAt) : IProcessorLease
    {
        private long _grantedAt = grantedAt;

        public string Name => name;

        public long FencingToken => token;

        public async ValueTask<bool> RenewAsync(CancellationToken cancellationToken = default)
        {
            var time = store._database.TimeProvider;
            while (true)
            {
                var remaining = store._duration - time.GetElapsedTime(Volatile.Read(ref _grantedAt));
                if (remaining <= TimeSpan.Zero)
                {
                    return false;
                }

                var attempted = time.GetTimestamp();
                using var deadline = new CancellationTokenSource(remaining, time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
                try
                {
                    if (await store.ExecuteAsync(store._renew, name, token, store._duration, linked.Token).ConfigureAwait(false) == 0)
                    {
                        // Expired on the database clock, or taken over.
                        return false;
                    }

                    Volatile.Write(ref _grantedAt, attempted);
                    return true;
                }
                catch (Exception) when (!cancellationToken.IsCancellationRequested)
                {
                    // The database could not be reached (a dropped connection, a failover): the lease still holds
                    // until its duration has passed, so try again until then.
                    remaining = store._duration - time.GetElapsedTime(Volatile.Read(ref _grantedAt));
                    if (remaining > TimeSpan.Zero)
                    {
                        await Task.Delay(Min(store.AcquireInterval, remaining), time, cancellationToken).ConfigureAwait(false);
                    }
                }
            }
        }

        public async ValueTask SaveCheckpointAsync(long position, CancellationToken cancellationToken = default)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(position);
            if (await store.ExecuteAsync(store._save, name, token, position, cancellationToken).ConfigureAwait(false) == 0)
            {
                throw new ProcessorLeaseLostException(name, token);
            }
        }

        public async ValueTask ReleaseAsync(CancellationToken cancellationToken = default) =>
            await store.ExecuteAsync(store._release, name, token, value: null, cancellationToken).ConfigureAwait(false);

        private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
    }
}
