namespace EventBus.Samples.Orders.Demo;

/// <summary>Settings of one demo run, from the command line.</summary>
public sealed record DemoOptions
{
    /// <summary>The number of the first order of a run on an empty store (order ids are <c>A-1001</c>, <c>A-1002</c>, …).</summary>
    public const int DefaultFirstOrderNumber = 1001;

    /// <summary>Gets the number of orders; the first six cover every flow, the rest are drawn by the rates.</summary>
    public int Orders { get; init; } = 12;

    /// <summary>Gets the seed of the random draw, so a run can be repeated exactly.</summary>
    public int Seed { get; init; } = 2026;

    /// <summary>Gets the share of random orders paid with a declined card.</summary>
    public double DeclineRate { get; init; } = 0.1;

    /// <summary>Gets the share of random orders for a sold-out item.</summary>
    public double OutOfStockRate { get; init; } = 0.1;

    /// <summary>Gets the share of random orders whose card issuer never answers.</summary>
    public double PaymentTimeoutRate { get; init; } = 0.1;

    /// <summary>Gets the share of random orders shipped where no carrier goes.</summary>
    public double ShippingFailureRate { get; init; } = 0.1;

    /// <summary>Gets the share of random orders whose <c>order.placed</c> is delivered twice.</summary>
    public double DuplicateRate { get; init; } = 0.1;

    /// <summary>The payment timeout on the simulated clock, where its length changes nothing but the timestamps.</summary>
    public static readonly TimeSpan DefaultPaymentTimeout = TimeSpan.FromSeconds(2);

    /// <summary>The payment timeout on the system clock: far above the milliseconds a payment takes even on a busy
    /// machine, so only the card whose issuer never answers times out.</summary>
    public static readonly TimeSpan DefaultSystemClockPaymentTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Gets how long the saga waits for the payment before cancelling.</summary>
    public TimeSpan PaymentTimeout { get; init; } = DefaultPaymentTimeout;

    /// <summary>Gets the clock the bus runs on.</summary>
    public DemoClock Clock { get; init; } = DemoClock.Simulated;

    /// <summary>Gets where the Mermaid diagram is written: by default <c>order-saga-flow.md</c> in the current
    /// directory.</summary>
    public string DiagramPath { get; init; } = Path.GetFullPath("order-saga-flow.md");

    /// <summary>Gets a value indicating whether the bus and saga logs are written to the console.</summary>
    public bool Verbose { get; init; }

    /// <summary>Gets where saga instances, dead letters and the inbox are kept.</summary>
    public DemoStore Store { get; init; } = DemoStore.Memory;

    /// <summary>Gets the SQLite database file used with <see cref="DemoStore.Sqlite"/>: by default
    /// <c>order-saga.db</c> in the current directory.</summary>
    public string DatabasePath { get; init; } = Path.GetFullPath("order-saga.db");

    /// <summary>Gets the PostgreSQL server used with <see cref="DemoStore.PostgreSql"/>, from <c>--connection</c> or
    /// <c>EVENTBUS_PG_CONNECTION_STRING</c>.</summary>
    public PostgreSqlConnection? PostgreSql { get; init; }

    /// <summary>Gets the PostgreSQL schema the stores live in with <see cref="DemoStore.PostgreSql"/>.</summary>
    public string PostgreSqlSchema { get; init; } = DefaultPostgreSqlSchema;

    /// <summary>The default <see cref="PostgreSqlSchema"/>: the sample keeps its tables apart from an app's.</summary>
    public const string DefaultPostgreSqlSchema = "order_saga";

    /// <summary>Gets a value indicating whether the store is a database that keeps earlier runs (SQLite or
    /// PostgreSQL).</summary>
    public bool KeepsEarlierRuns => Store != DemoStore.Memory;

    /// <summary>Gets the number of the run's first order; a run on a database continues after the orders in it.</summary>
    public int FirstOrderNumber { get; init; } = DefaultFirstOrderNumber;

    /// <summary>Gets the rate of each failure flow, in draw order.</summary>
    public IReadOnlyList<(OrderFlow Flow, double Rate)> Rates =>
    [
        (OrderFlow.PaymentDeclined, DeclineRate),
        (OrderFlow.OutOfStock, OutOfStockRate),
        (OrderFlow.PaymentTimeout, PaymentTimeoutRate),
        (OrderFlow.ShippingFailed, ShippingFailureRate),
        (OrderFlow.DuplicateOrder, DuplicateRate),
    ];

    /// <summary>Checks the settings.</summary>
    /// <returns>What is wrong, or <see langword="null"/> when nothing is.</returns>
    public string? Validate()
    {
        if (Orders is < 1 or > 10_000)
        {
            return $"--orders must be between 1 and 10000 (was {Orders}).";
        }

        foreach (var (flow, rate) in Rates)
        {
            if (rate is < 0 or > 1 || double.IsNaN(rate))
            {
                return $"The rate for {flow} must be between 0 and 1 (was {rate}).";
            }
        }

        var total = Rates.Sum(r => r.Rate);
        if (total > 1)
        {
            return $"The failure and duplicate rates add up to {total:0.###}; together they must not exceed 1.";
        }

        if (PaymentTimeout <= TimeSpan.Zero || PaymentTimeout > TimeSpan.FromMinutes(10))
        {
            return $"--payment-timeout must be more than 0 and at most 10 minutes (was {PaymentTimeout}).";
        }

        if (string.IsNullOrWhiteSpace(DiagramPath))
        {
            return "--diagram must name a file.";
        }

        if (string.IsNullOrWhiteSpace(DatabasePath))
        {
            return "--db must name a file.";
        }

        if (Store == DemoStore.PostgreSql && PostgreSql is null)
        {
            return DemoCommandLine.MissingConnection;
        }

        return null;
    }
}
