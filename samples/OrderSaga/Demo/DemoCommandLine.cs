using System.Globalization;

namespace EventBus.Samples.Orders.Demo;

/// <summary>Reads <see cref="DemoOptions"/> from command-line arguments.</summary>
public static class DemoCommandLine
{
    public const string Help = """
        OrderSaga — an order saga with Payment, Inventory and Shipping services on an in-process EventBus.

        Places a mix of orders covering every flow (the first six orders take one flow each, the rest are drawn
        at random), prints each order's timeline and a summary, lists dead letters, and writes a Mermaid diagram.

        Usage: dotnet run --project samples/OrderSaga -- [options]

        With --store sqlite the saga instances, dead letters and inbox live in a SQLite file: run it twice with the
        same --db and the second run reports the first run's orders and numbers its own orders after them.
        With --store postgres they live in PostgreSQL (schema order_saga), the same way.

        Options:
          --orders <n>                 number of orders to place (default 12)
          --seed <n>                   seed for the random draw (default 2026)
          --decline-rate <r>           share of random orders with a declined card (default 0.1)
          --out-of-stock-rate <r>      share of random orders for a sold-out item (default 0.1)
          --payment-timeout-rate <r>   share of random orders whose card issuer never answers (default 0.1)
          --shipping-failure-rate <r>  share of random orders shipped where no carrier goes (default 0.1)
          --duplicate-rate <r>         share of random orders whose order.placed is delivered twice (default 0.1)
          --payment-timeout <t>        how long the saga waits for payment: 1.5s, 800ms or 00:00:02
                                       (default 2s on the simulated clock, 30s on the system clock)
          --clock <simulated|system>   simulated (default): the sample's own clock, which moves only when no order
                                       can go further without it, so every run ends the same way on any machine;
                                       system: real time, payment timeouts fire after real seconds
          --diagram <path>             where to write the Mermaid diagram (default: order-saga-flow.md in the
                                       current directory)
          --store <memory|sqlite|postgres>
                                       where sagas and dead letters are kept (default memory: every run starts empty)
          --db <path>                  the SQLite file for --store sqlite (default: order-saga.db in the current
                                       directory)
          --connection <string>        the Npgsql connection string for --store postgres (default: the environment
                                       variable EVENTBUS_PG_CONNECTION_STRING), such as
                                       "Host=127.0.0.1;Port=5432;Database=eventbus;Username=eventbus;Password=…"

        Exit code: 0 when every order ended as planned and nothing was dead-lettered; 1 otherwise; 2 for bad options.
          --verbose                    also print the bus and saga logs
          -h, --help                   show this help
        """;

    /// <summary>The environment variable <c>--store postgres</c> reads when <c>--connection</c> is not given.</summary>
    public const string ConnectionVariable = "EVENTBUS_PG_CONNECTION_STRING";

    /// <summary>The error for <c>--store postgres</c> without a connection string.</summary>
    public const string MissingConnection =
        "--store postgres needs a connection string: pass --connection \"Host=127.0.0.1;Port=5432;Database=…;Username=…;Password=…\" "
        + "or set " + ConnectionVariable + " (.ci/postgres-start.sh prints one for a local server).";

    /// <summary>Parses the arguments, reading <see cref="ConnectionVariable"/> from the process's environment.</summary>
    public static DemoCommandLineResult Parse(IReadOnlyList<string> args) => Parse(args, Environment.GetEnvironmentVariable);

    /// <summary>Parses the arguments.</summary>
    /// <param name="args">The command-line arguments.</param>
    /// <param name="environment">Reads an environment variable (<see cref="ConnectionVariable"/>).</param>
    public static DemoCommandLineResult Parse(IReadOnlyList<string> args, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(environment);
        var options = new DemoOptions();
        bool storeGiven = false, databaseGiven = false, timeoutGiven = false, connectionGiven = false;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name is "-h" or "--help" or "-?")
            {
                return new DemoCommandLineResult(null, ShowHelp: true, Error: null);
            }

            if (name == "--verbose")
            {
                options = options with { Verbose = true };
                continue;
            }

            if (i + 1 >= args.Count)
            {
                return Fail($"{name} needs a value.");
            }

            var value = args[++i];
            storeGiven |= name == "--store";
            databaseGiven |= name == "--db";
            timeoutGiven |= name == "--payment-timeout";
            connectionGiven |= name == "--connection";
            try
            {
                options = name switch
                {
                    "--orders" => options with { Orders = int.Parse(value, CultureInfo.InvariantCulture) },
                    "--seed" => options with { Seed = int.Parse(value, CultureInfo.InvariantCulture) },
                    "--decline-rate" => options with { DeclineRate = ParseRate(value) },
                    "--out-of-stock-rate" => options with { OutOfStockRate = ParseRate(value) },
                    "--payment-timeout-rate" => options with { PaymentTimeoutRate = ParseRate(value) },
                    "--shipping-failure-rate" => options with { ShippingFailureRate = ParseRate(value) },
                    "--duplicate-rate" => options with { DuplicateRate = ParseRate(value) },
                    "--payment-timeout" => options with { PaymentTimeout = ParseDuration(value) },
                    "--diagram" => options with { DiagramPath = Path.GetFullPath(value) },
                    "--clock" => options with { Clock = ParseClock(value) },
                    "--store" => options with { Store = ParseStore(value) },
                    "--db" => options with { DatabasePath = Path.GetFullPath(value) },
                    "--connection" => options with { PostgreSql = ParseConnection(value, "--connection") },
                    _ => throw new ArgumentException($"Unknown option {name}. Run with --help to see the options."),
                };
            }
            catch (FormatException)
            {
                return Fail($"{name}: '{value}' is not a valid value.");
            }
            catch (OverflowException)
            {
                return Fail($"{name}: '{value}' is out of range.");
            }
            catch (ArgumentException ex)
            {
                return Fail(ex.Message);
            }
        }

        if (connectionGiven && options.Store != DemoStore.PostgreSql)
        {
            if (storeGiven)
            {
                return Fail("--connection needs --store postgres.");
            }

            options = options with { Store = DemoStore.PostgreSql };
        }

        if (databaseGiven && options.Store == DemoStore.PostgreSql)
        {
            return Fail("--db needs --store sqlite.");
        }

        if (options.Store == DemoStore.PostgreSql && options.PostgreSql is null && environment(ConnectionVariable) is { Length: > 0 } fromEnvironment)
        {
            try
            {
                options = options with { PostgreSql = ParseConnection(fromEnvironment, ConnectionVariable) };
            }
            catch (ArgumentException ex)
            {
                return Fail(ex.Message);
            }
        }

        if (databaseGiven && options.Store == DemoStore.Memory)
        {
            if (storeGiven)
            {
                return Fail("--db needs --store sqlite.");
            }

            options = options with { Store = DemoStore.Sqlite };
        }

        if (options.Clock == DemoClock.System && !timeoutGiven)
        {
            options = options with { PaymentTimeout = DemoOptions.DefaultSystemClockPaymentTimeout };
        }

        var problem = options.Validate();
        return problem is null ? new DemoCommandLineResult(options, false, null) : Fail(problem);
    }

    /// <summary>Reads a duration such as <c>1.5s</c>, <c>800ms</c> or <c>00:00:02</c>.</summary>
    public static TimeSpan ParseDuration(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = value.Trim();
        if (text.EndsWith("ms", StringComparison.OrdinalIgnoreCase))
        {
            return TimeSpan.FromMilliseconds(double.Parse(text[..^2], NumberStyles.Float, CultureInfo.InvariantCulture));
        }

        if (text.EndsWith('s') || text.EndsWith('S'))
        {
            return TimeSpan.FromSeconds(double.Parse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture));
        }

        return TimeSpan.Parse(text, CultureInfo.InvariantCulture);
    }

    private static DemoStore ParseStore(string value) => value.ToUpperInvariant() switch
    {
        "MEMORY" => DemoStore.Memory,
        "SQLITE" => DemoStore.Sqlite,
        "POSTGRES" or "POSTGRESQL" => DemoStore.PostgreSql,
        _ => throw new ArgumentException($"--store: '{value}' is not a store; use memory, sqlite or postgres."),
    };

    // The message names where the string came from and never repeats it: it may hold a password.
    private static PostgreSqlConnection ParseConnection(string value, string from) =>
        PostgreSqlConnection.TryParse(value, out var connection, out var error)
            ? connection
            : throw new ArgumentException($"{from}: {error}");

    private static DemoClock ParseClock(string value) => value.ToUpperInvariant() switch
    {
        "SIMULATED" => DemoClock.Simulated,
        "SYSTEM" => DemoClock.System,
        _ => throw new ArgumentException($"--clock: '{value}' is not a clock; use simulated or system."),
    };

    private static double ParseRate(string value) => double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static DemoCommandLineResult Fail(string error) => new(null, false, error);
}
