using EventBus.Sqlite.Storage;

namespace EventBus;

/// <summary>Settings of the SQLite stores registered by <c>UseSqlite</c>.</summary>
public sealed class SqliteOptions
{
    /// <summary>Gets or sets the connection string, such as <c>Data Source=eventbus.db</c>. The data source must
    /// be a file: the stores use write-ahead logging, which in-memory databases do not support.</summary>
    /// <value>The default value is the connection string given to <c>UseSqlite</c>.</value>
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>Gets or sets how hard each commit is pushed to disk.</summary>
    /// <remarks><see cref="SqliteSynchronousMode.Full"/> survives application crashes and power loss;
    /// <see cref="SqliteSynchronousMode.Normal"/> survives application crashes but may lose the last commits on a
    /// power loss, in exchange for faster appends.</remarks>
    /// <value>The default value is <see cref="SqliteSynchronousMode.Full"/>.</value>
    public SqliteSynchronousMode Synchronous { get; set; } = SqliteSynchronousMode.Full;

    /// <summary>Gets or sets how long a statement waits for another process's lock on the database before failing
    /// with a <see cref="TimeoutException"/> (callers never see <c>SQLITE_BUSY</c>).</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan BusyTimeout { get; set; } = SqliteConstants.DefaultBusyTimeout;

    /// <summary>Gets or sets how often an idle catch-up subscription (projections, the outbox) checks the file for
    /// events appended by another process. Appends made through this process wake it at once;
    /// <see cref="Timeout.InfiniteTimeSpan"/> turns the check off.</summary>
    /// <value>The default value is 1 second.</value>
    public TimeSpan PollInterval { get; set; } = SqliteConstants.DefaultPollInterval;

    /// <summary>Gets or sets how many queued writes (appends, checkpoint and snapshot saves) the single writer
    /// commits in one transaction at most (group commit).</summary>
    /// <value>The default value is 512.</value>
    public int MaxWritesPerTransaction { get; set; } = SqliteConstants.DefaultMaxWritesPerTransaction;
}
