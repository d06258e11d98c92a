using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace EventBus.Samples.Orders.Demo;

/// <summary>What <c>dotnet run --project samples/OrderSaga</c> does, with its output and services replaceable so
/// tests can run it whole.</summary>
public static class DemoProgram
{
    /// <summary>How long each stage of a run may take in real time before the run counts as stuck; a healthy run
    /// settles in milliseconds.</summary>
    public static readonly TimeSpan SafetyNet = TimeSpan.FromSeconds(60);

    /// <summary>Runs the sample.</summary>
    /// <param name="args">The command-line arguments.</param>
    /// <param name="output">Where the report goes.</param>
    /// <param name="error">Where errors in the options go.</param>
    /// <param name="configureServices">Extra services for the demo (tests use it to break a flow).</param>
    /// <returns>0 if every order ended as planned and nothing was dead-lettered; 1 if not; 2 for bad options (a
    /// PostgreSQL server that cannot be reached or refuses the login included).</returns>
    public static async Task<int> RunAsync(
        IReadOnlyList<string> args,
        TextWriter output,
        TextWriter error,
        Action<IServiceCollection>? configureServices = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var parsed = DemoCommandLine.Parse(args);
        if (parsed.ShowHelp)
        {
            await output.WriteLineAsync(DemoCommandLine.Help);
            return 0;
        }

        if (parsed.Error is not null)
        {
            await error.WriteLineAsync(parsed.Error);
            await error.WriteLineAsync("Run with --help to see the options.");
            return 2;
        }

        var options = parsed.Options!;
        await using var demo = OrderSagaDemo.Create(
            options,
            logging: options.Verbose ? logging => logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Debug) : null,
            configureServices: configureServices);
        try
        {
            await demo.StartAsync();
        }
        catch (NpgsqlException ex) when (options.PostgreSql is { } connection)
        {
            // The server is down, refuses the login or lacks the database: say which server, never the password.
            await error.WriteLineAsync($"Cannot use PostgreSQL ({connection.Description}): {PostgreSqlConnection.Redact(ex.Message, connection.ConnectionString)}");
            await error.WriteLineAsync("Start a local server with `eval \"$(.ci/postgres-start.sh)\"`, or pass another --connection.");
            return 2;
        }

        if (options.KeepsEarlierRuns)
        {
            var earlier = demo.EarlierRuns;
            await output.WriteLineAsync(options.Store == DemoStore.PostgreSql
                ? $"PostgreSQL {options.PostgreSql}, schema {options.PostgreSqlSchema}:"
                : $"SQLite database {options.DatabasePath}:");
            await output.WriteLineAsync(earlier.Orders == 0
                ? $"  no orders from earlier runs; this is the first run on this {(options.Store == DemoStore.PostgreSql ? "schema" : "file")}."
                : $"  {earlier.Orders} orders (saga instances) from earlier runs ({string.Join(", ", earlier.ByStatus.OrderBy(p => p.Key).Select(p => $"{p.Value} {p.Key}"))}); "
                  + $"this run numbers its orders from {demo.Orders[0].Order.OrderId}.");
        }

        var clock = options.Clock == DemoClock.Simulated
            ? "simulated clock: timeouts fire once nothing else can happen"
            : "system clock";
        await output.WriteLineAsync($"Placing {options.Orders} orders (seed {options.Seed}, payment timeout {options.PaymentTimeout.TotalSeconds:0.###} s, {clock})…");
        await output.WriteLineAsync();
        await demo.PlaceOrdersAsync();
        if (!await demo.WaitUntilSettledAsync(SafetyNet))
        {
            await output.WriteLineAsync("Some orders did not settle; the summary shows which.");
        }

        var report = await demo.FinishAsync();
        await output.WriteAsync(ReportWriter.Render(report));

        var diagramDirectory = Path.GetDirectoryName(options.DiagramPath);
        if (!string.IsNullOrEmpty(diagramDirectory))
        {
            Directory.CreateDirectory(diagramDirectory);
        }

        await File.WriteAllTextAsync(options.DiagramPath, MermaidDiagram.Render(report));
        await output.WriteLineAsync();
        await output.WriteLineAsync($"Mermaid diagram of the bus topology and saga flow written to {options.DiagramPath}");
        if (options.Store == DemoStore.PostgreSql)
        {
            await output.WriteLineAsync($"Schema {options.PostgreSqlSchema} now holds {demo.EarlierRuns.Orders + report.Instances.Count} orders; run again with the same connection to continue.");
        }
        else if (options.Store == DemoStore.Sqlite)
        {
            await output.WriteLineAsync($"The database {options.DatabasePath} now holds {demo.EarlierRuns.Orders + report.Instances.Count} orders; run again with the same --db to continue.");
        }

        if (report.AllAsPlanned)
        {
            return 0;
        }

        await output.WriteLineAsync(report.Healthy
            ? "Some orders ended otherwise than planned, each consistently (completed, or cancelled with everything undone)."
              + (options.Clock == DemoClock.System ? " On the system clock a payment slower than --payment-timeout cancels its order." : "")
            : "Some orders ended otherwise than planned: an order left half done, a saga started twice, or a dead letter.");
        return 1;
    }
}
