using System.Globalization;
using EventBus.Sqlite.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EventBus.Sqlite.Storage;

/// <summary>One EventBus SQLite database file: opened, validated and migrated on first use; written through one
/// <see cref="SqliteWriter"/> (group commit), read through pooled read connections.</summary>
internal sealed class SqliteDatabase : IDisposable
{
    private const string SelectHeadSql = "SELECT COALESCE(MAX(position), 0) FROM eventbus_events";

    private readonly SqliteOptions _options;
    private readonly string _connectionString;
    private readonly IReadOnlyList<SchemaMigration> _migrations;
    private readonly ILogger _logger;
    private readonly object _initLock = new();
    private readonly Lock _headLock = new();
    private SqliteWriter? _writer;
    private SqliteReaderPool? _readers;
    private long _head;
    private TaskCompletionSource _appended = NewSignal();
    private bool _disposed;

    public SqliteDatabase(IOptions<SqliteOptions> options, TimeProvider timeProvider, ILogger<SqliteDatabase> logger)
        : this(options, timeProvider, logger, SqliteSchema.Migrations)
    {
    }

    internal SqliteDatabase(IOptions<SqliteOptions> options, TimeProvider timeProvider, ILogger logger, IReadOnlyList<SchemaMigration> migrations)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options.Value;
        SqliteOptionsValidator.ThrowIfInvalid(_options);
        var builder = new SqliteConnectionStringBuilder(_options.ConnectionString)
        {
            // Connections are pooled here (one writer, a few readers), configured once when opened.
            Pooling = false,
            DefaultTimeout = (int)Math.Ceiling(_options.BusyTimeout.TotalSeconds),
        };
        _connectionString = builder.ToString();
        DataSource = builder.DataSource;
        TimeProvider = timeProvider;
        _logger = logger;
        _migrations = migrations;
    }

    /// <summary>Gets the database file.</summary>
    public string DataSource { get; }

    public TimeProvider TimeProvider { get; }

    /// <summary>Gets the writer, for tests of group commit.</summary>
    internal SqliteWriter Writer
    {
        get
        {
            EnsureInitialized();
            return _writer!;
        }
    }

    /// <summary>Opens, validates and migrates the database unless that was done; safe to call from any thread.</summary>
    /// <exception cref="SqliteDatabaseException">The file cannot be opened or is not an EventBus database.</exception>
    public void EnsureInitialized()
    {
        if (Volatile.Read(ref _readers) is not null)
        {
            return;
        }

        lock (_initLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_readers is null)
            {
                Initialize();
            }
        }
    }

    /// <summary>Runs a write on the calling thread when the writer is idle, or queues it for the writer's next group
    /// commit; the task completes after its transaction committed.</summary>
    public Task<T> WriteAsync<T>(Func<SqliteSession, T> write, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }

        EnsureInitialized();
        var request = new WriteRequest<T>(write);
        request.RegisterCancellation(cancellationToken);
        _writer!.Enqueue(request);
        return request.Task;
    }

    /// <summary>Runs a read on a pooled read connection, on the calling thread.</summary>
    public T Read<T>(Func<SqliteSession, T> read)
    {
        EnsureInitialized();
        var session = _readers!.Rent();
        try
        {
            return read(session);
        }
        finally
        {
            _readers.Return(session);
        }
    }

    /// <summary>Runs a read on a pooled read connection, on the calling thread.</summary>
    public T Read<TState, T>(TState state, Func<SqliteSession, TState, T> read)
    {
        EnsureInitialized();
        var session = _readers!.Rent();
        try
        {
            return read(session, state);
        }
        finally
        {
            _readers.Return(session);
        }
    }

    /// <summary>Reads the position of the last committed event from the file (commits of every process).</summary>
    public long ReadHead() => Read(static session => (long)session.Command(SelectHeadSql).ExecuteScalar()!);

    /// <summary>Records a head position seen committed and wakes those waiting for it.</summary>
    public void ObserveHead(long head)
    {
        TaskCompletionSource signal;
        lock (_headLock)
        {
            if (head <= _head)
            {
                return;
            }

            _head = head;
            signal = _appended;
            _appended = NewSignal();
        }

        signal.TrySetResult();
    }

    /// <summary>Completes when a commit seen by this process raised the head above <paramref name="afterPosition"/>.</summary>
    public ValueTask WaitForHeadAsync(long afterPosition, CancellationToken cancellationToken)
    {
        EnsureInitialized();
        Task appended;
        lock (_headLock)
        {
            if (_head > afterPosition)
            {
                return default;
            }

            appended = _appended.Task;
        }

        return new ValueTask(WaitForHeadCoreAsync(afterPosition, appended, cancellationToken));
    }

    public void Dispose()
    {
        lock (_initLock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _writer?.Dispose();
        _readers?.Dispose();
        if (_writer is not null)
        {
            Log.DatabaseClosed(_logger, DataSource);
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private async Task WaitForHeadCoreAsync(long afterPosition, Task appended, CancellationToken cancellationToken)
    {
        while (true)
        {
            // Appends of this process signal at once; appends of other processes are found by reading the head from
            // the file every poll interval.
            using (var stopPolling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                var poll = Task.Delay(_options.PollInterval, TimeProvider, stopPolling.Token);
                var first = await Task.WhenAny(appended, poll).ConfigureAwait(false);
                await stopPolling.CancelAsync().ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                if (first == poll)
                {
                    ObserveHead(ReadHead());
                }
            }

            lock (_headLock)
            {
                if (_head > afterPosition)
                {
                    return;
                }

                appended = _appended.Task;
            }
        }
    }

    private void Initialize()
    {
        SqliteConnection? connection = null;
        try
        {
            connection = OpenConnection();

            // The first read of the file: fails here for a file that is not a database, and refuses a database of
            // another application before anything (even the journal mode) is changed in it.
            SqliteSchema.EnsureCompatible(connection, DataSource, _migrations);
            var journal = Convert.ToString(Scalar(connection, "PRAGMA journal_mode = WAL"), CultureInfo.InvariantCulture);
            if (!string.Equals(journal, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new SqliteDatabaseException(DataSource, SqliteDatabaseError.CannotOpen,
                    $"SQLite database '{DataSource}' cannot use write-ahead logging (journal mode stayed '{journal}'); put it on a local file system that supports shared memory.");
            }

            // PRAGMA values cannot be parameters; this one comes from a validated enum, not from input.
            Execute(connection, _options.Synchronous == SqliteSynchronousMode.Normal ? "PRAGMA synchronous = NORMAL" : "PRAGMA synchronous = FULL");
            var (from, to) = SqliteSchema.Migrate(connection, DataSource, _migrations, TimeProvider);
            if (to != from)
            {
                Log.SchemaMigrated(_logger, DataSource, from, to);
            }

            _head = Convert.ToInt64(Scalar(connection, SelectHeadSql), CultureInfo.InvariantCulture);
            _writer = new SqliteWriter(new SqliteSession(connection), _options, DataSource, ObserveHead, _logger);
            connection = null;
            Volatile.Write(ref _readers, new SqliteReaderPool(() => new SqliteSession(OpenConnection(readOnly: true))));
            Log.DatabaseOpened(_logger, DataSource, to, _options.Synchronous);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is 5 or 6)
        {
            // SQLITE_BUSY / SQLITE_LOCKED after the busy timeout: another process holds the file.
            throw new TimeoutException($"SQLite database '{DataSource}' stayed locked by another connection for longer than the busy timeout ({_options.BusyTimeout}) while opening it. Retry, or raise SqliteOptions.BusyTimeout.", ex);
        }
        catch (SqliteException ex)
        {
            var error = ex.SqliteErrorCode is 26 or 11 ? SqliteDatabaseError.NotADatabase : SqliteDatabaseError.CannotOpen;
            var message = error == SqliteDatabaseError.NotADatabase
                ? $"'{DataSource}' is not a SQLite database, or it is corrupt ({ex.Message}). Point the connection string at an EventBus database or at a new file."
                : $"Cannot open SQLite database '{DataSource}' ({ex.Message}). Check that its directory exists and that the process may create and write files there (WAL needs the -wal and -shm files next to it).";
            Log.DatabaseOpenFailed(_logger, DataSource, error, ex);
            throw new SqliteDatabaseException(DataSource, error, message, ex);
        }
        catch (SqliteDatabaseException ex)
        {
            Log.DatabaseOpenFailed(_logger, DataSource, ex.Error, ex);
            throw;
        }
        finally
        {
            connection?.Dispose();
        }
    }

    private SqliteConnection OpenConnection(bool readOnly = false)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();

            // sqlite3_busy_timeout: a statement that meets another process's lock waits for it instead of failing
            // with SQLITE_BUSY. The value is a validated TimeSpan, not input.
            Execute(connection, string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {(long)_options.BusyTimeout.TotalMilliseconds}"));
            if (readOnly)
            {
                Execute(connection, "PRAGMA query_only = 1");
            }

            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }
}
