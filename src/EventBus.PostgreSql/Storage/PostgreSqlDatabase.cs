using System.Globalization;
using EventBus.PostgreSql.Diagnostics;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace EventBus.PostgreSql.Storage;

/// <summary>The PostgreSQL database the stores share: the data source (connection pool), the schema they live in,
/// its creation and migration, and the head position this process has seen, which wakes catch-up readers.</summary>
/// <remarks>Every store awaits <see cref="EnsureInitializedAsync"/> before its first statement; after the first
/// success that is a completed task. The data source is disposed with the database only when the database built
/// it from a connection string.</remarks>
internal sealed class PostgreSqlDatabase : IAsyncDisposable, IDisposable
{
    private readonly bool _ownsDataSource;
    private readonly ILogger _logger;
    private readonly IReadOnlyList<SchemaMigration> _migrations;
    private readonly Lock _lock = new();
    private readonly string _headSql;
    private readonly AppendNotifier _notifier;
    private readonly List<IAsyncDisposable> _owned = [];
    private Task? _initialized;
    private long _head;
    private TaskCompletionSource _headRaised = NewSignal();

    public PostgreSqlDatabase(NpgsqlDataSource dataSource, bool ownsDataSource, PostgreSqlOptions options, TimeProvider timeProvider, ILogger logger, IReadOnlyList<SchemaMigration>? migrations = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        PostgreSqlOptionsValidator.ThrowIfInvalid(options, hasDataSource: true);
        DataSource = dataSource;
        _ownsDataSource = ownsDataSource;
        SchemaName = options.Schema;
        Schema = PostgreSqlSchema.Quote(options.Schema);
        PollInterval = options.PollInterval;
        TimeProvider = timeProvider;
        _logger = logger;
        _migrations = migrations ?? PostgreSqlSchema.Migrations;
        _headSql = $"SELECT COALESCE(max(position), 0) FROM {Schema}.events";
        _notifier = new AppendNotifier(dataSource, options.Schema, RefreshHeadAsync, timeProvider, logger);
    }

    /// <summary>Gets the connection pool.</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary>Gets the schema name as configured.</summary>
    public string SchemaName { get; }

    /// <summary>Gets the schema name quoted for SQL text.</summary>
    public string Schema { get; }

    public TimeSpan PollInterval { get; }

    /// <summary>Gets the channel on which appends to this schema are announced.</summary>
    public string NotificationChannel => _notifier.Channel;

    public TimeProvider TimeProvider { get; }

    /// <summary>Creates or migrates the schema once; later calls return the same task (a failed attempt is retried
    /// by the next call).</summary>
    public Task EnsureInitializedAsync(CancellationToken cancellationToken = default)
    {
        var initialized = Volatile.Read(ref _initialized);
        if (initialized is { IsCompletedSuccessfully: true })
        {
            return initialized;
        }

        lock (_lock)
        {
            if (_initialized is null || _initialized.IsFaulted || _initialized.IsCanceled)
            {
                // Not tied to one caller's token: others may be waiting for the same work.
                _initialized = InitializeAsync();
            }

            return _initialized.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Creates a command on a pooled connection, after the schema is ready.</summary>
    public async ValueTask<NpgsqlCommand> CommandAsync(string sql, CancellationToken cancellationToken)
    {
        await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        return DataSource.CreateCommand(sql);
    }

    /// <summary>Opens a pooled connection, after the schema is ready.</summary>
    public async ValueTask<NpgsqlConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        return await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the head position (the highest committed position) and lets waiters know.</summary>
    public async ValueTask<long> ReadHeadAsync(CancellationToken cancellationToken)
    {
        var command = await CommandAsync(_headSql, cancellationToken).ConfigureAwait(false);
        await using var commandScope = command.ConfigureAwait(false);
        var head = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        ObserveHead(head);
        return head;
    }

    /// <summary>Records the last position of an append of this process that has committed, wakes this process's
    /// waiters and, unless the append's own round trip already did, announces the append to other instances.</summary>
    public void AppendCommitted(long position, bool announced)
    {
        ObserveHead(position);
        if (!announced)
        {
            _notifier.AnnounceAppend();
        }
    }

    /// <summary>Records a committed position (an append of this process or a head read) and wakes waiters.</summary>
    public void ObserveHead(long head)
    {
        TaskCompletionSource raised;
        lock (_lock)
        {
            if (head <= _head)
            {
                return;
            }

            _head = head;
            raised = _headRaised;
            _headRaised = NewSignal();
        }

        raised.TrySetResult();
    }

    /// <summary>Completes when a position above <paramref name="afterPosition"/> is committed: at once when this
    /// process has seen one, else on the next append of this process, the next notification of another instance's
    /// append, or the next poll that finds one.</summary>
    public ValueTask WaitForHeadAsync(long afterPosition, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        lock (_lock)
        {
            if (_head > afterPosition)
            {
                return default;
            }
        }

        return new ValueTask(WaitForHeadCoreAsync(afterPosition, cancellationToken));
    }

    /// <summary>Makes <paramref name="resource"/> (something holding a connection of the pool) end with the
    /// database, before the pool does.</summary>
    public T Own<T>(T resource)
        where T : IAsyncDisposable
    {
        lock (_lock)
        {
            _owned.Add(resource);
        }

        return resource;
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        IAsyncDisposable[] owned;
        lock (_lock)
        {
            owned = [.. _owned];
            _owned.Clear();
        }

        foreach (var resource in owned)
        {
            await resource.DisposeAsync().ConfigureAwait(false);
        }

        await _notifier.DisposeAsync().ConfigureAwait(false);
        if (_ownsDataSource)
        {
            await DataSource.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task RefreshHeadAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ReadHeadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // A wake-up only: waiters read the head again themselves when they poll.
        }
    }

    private async Task WaitForHeadCoreAsync(long afterPosition, CancellationToken cancellationToken)
    {
        // Appends of other instances are announced on a channel: hear them (polling stays as the fallback).
        _notifier.EnsureListening();
        while (true)
        {
            Task raised;
            lock (_lock)
            {
                if (_head > afterPosition)
                {
                    return;
                }

                raised = _headRaised.Task;
            }

            // Another app instance's appends only show in the database: look there, then wait for a local append,
            // a notification (which reads the head and raises it) or the poll interval, whichever comes first.
            if (await ReadHeadAsync(cancellationToken).ConfigureAwait(false) > afterPosition)
            {
                return;
            }

            if (PollInterval == Timeout.InfiniteTimeSpan)
            {
                await raised.WaitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            using var stopPolling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var poll = Task.Delay(PollInterval, TimeProvider, stopPolling.Token);
            await Task.WhenAny(raised, poll).ConfigureAwait(false);
            await stopPolling.CancelAsync().ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private async Task InitializeAsync()
    {
        var connection = await DataSource.OpenConnectionAsync().ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
        await using var transactionScope = transaction.ConfigureAwait(false);

        // Two instances starting on a new database must not both create the schema: the first migrates, the other
        // waits here and then finds the work done.
        await ExecuteAsync(connection, "SELECT pg_advisory_xact_lock(hashtextextended('eventbus-migrate:' || $1, 0))", SchemaName).ConfigureAwait(false);
        var exists = await ScalarAsync(connection, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", SchemaName).ConfigureAwait(false) is true;
        if (!exists)
        {
            // Only when missing: CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege on the database even when
            // the schema is there.
            await ExecuteAsync(connection, $"CREATE SCHEMA {Schema}").ConfigureAwait(false);
        }

        await ExecuteAsync(connection, $"CREATE TABLE IF NOT EXISTS {Schema}.schema_version (version integer PRIMARY KEY, description text NOT NULL, applied_ticks bigint NOT NULL)").ConfigureAwait(false);
        var current = Convert.ToInt32(await ScalarAsync(connection, $"SELECT COALESCE(max(version), 0) FROM {Schema}.schema_version").ConfigureAwait(false), CultureInfo.InvariantCulture);
        var latest = _migrations.Count == 0 ? 0 : _migrations[^1].Version;
        if (current > latest)
        {
            throw new InvalidOperationException(
                $"PostgreSQL schema '{SchemaName}' has EventBus schema version {current}, newer than version {latest} that this EventBus.PostgreSql knows; it was written by a newer release. Upgrade the EventBus.PostgreSql package.");
        }

        foreach (var migration in _migrations)
        {
            if (migration.Version <= current)
            {
                continue;
            }

            await ExecuteAsync(connection, migration.Sql.Replace("{schema}", Schema, StringComparison.Ordinal)).ConfigureAwait(false);
            await ExecuteAsync(connection, $"INSERT INTO {Schema}.schema_version (version, description, applied_ticks) VALUES ($1, $2, $3)", migration.Version, migration.Description, TimeProvider.GetUtcNow().UtcTicks).ConfigureAwait(false);
        }

        await transaction.CommitAsync().ConfigureAwait(false);
        if (latest > current)
        {
            Log.SchemaMigrated(_logger, SchemaName, current, latest);
        }

        Log.DatabaseReady(_logger, SchemaName, Math.Max(current, latest));
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, params object[] parameters)
    {
        var command = Command(connection, sql, parameters);
        await using var commandScope = command.ConfigureAwait(false);
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql, params object[] parameters)
    {
        var command = Command(connection, sql, parameters);
        await using var commandScope = command.ConfigureAwait(false);
        return await command.ExecuteScalarAsync().ConfigureAwait(false);
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, object[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection);
        foreach (var value in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        return command;
    }
}
