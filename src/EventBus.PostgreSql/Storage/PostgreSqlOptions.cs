using EventBus.PostgreSql.Storage;

namespace EventBus;

/// <summary>Settings of the PostgreSQL stores registered by <c>UsePostgreSql</c>.</summary>
public sealed class PostgreSqlOptions
{
    /// <summary>Gets or sets the Npgsql connection string, such as
    /// <c>Host=localhost;Database=app;Username=app;Password=…</c>. Not used when <c>UsePostgreSql</c> was given an
    /// <c>NpgsqlDataSource</c>.</summary>
    /// <value>The default value is the connection string given to <c>UsePostgreSql</c>.</value>
    public string? ConnectionString { get; set; }

    /// <summary>Gets or sets the PostgreSQL schema that holds the EventBus tables; it is created (with its tables)
    /// when missing. Letters, digits and underscores, starting with a letter or an underscore, at most 63
    /// characters; the name is always quoted, so it is case-sensitive.</summary>
    /// <value>The default value is <c>eventbus</c>.</value>
    public string Schema { get; set; } = PostgreSqlConstants.DefaultSchema;

    /// <summary>Gets or sets how often an idle catch-up subscription (projections, the outbox) asks the database for
    /// events appended by other app instances. Appends made through this process wake it at once, and those of other
    /// instances through a <c>NOTIFY</c> sent after they commit; polling is the fallback for a notification lost while
    /// the listening connection reconnects. <see cref="Timeout.InfiniteTimeSpan"/> turns polling off.</summary>
    /// <value>The default value is 1 second.</value>
    public TimeSpan PollInterval { get; set; } = PostgreSqlConstants.DefaultPollInterval;

    /// <summary>Gets or sets how long a processor lease (the outbox, each background projection) lasts without
    /// renewal. When the instance holding it dies or loses the database, another instance takes the processor over
    /// within this time plus <see cref="LeaseAcquireInterval"/>. The expiry is kept by the database clock.</summary>
    /// <value>The default value is 15 seconds.</value>
    public TimeSpan LeaseDuration { get; set; } = PostgreSqlConstants.DefaultLeaseDuration;

    /// <summary>Gets or sets how often the holder renews a processor lease; shorter than
    /// <see cref="LeaseDuration"/>, so that a renewal can fail and be retried before the lease lapses.</summary>
    /// <value>The default value is 5 seconds.</value>
    public TimeSpan LeaseRenewInterval { get; set; } = PostgreSqlConstants.DefaultLeaseRenewInterval;

    /// <summary>Gets or sets how often an instance that does not hold a processor's lease tries to acquire it.</summary>
    /// <value>The default value is 2 seconds.</value>
    public TimeSpan LeaseAcquireInterval { get; set; } = PostgreSqlConstants.DefaultLeaseAcquireInterval;
}
