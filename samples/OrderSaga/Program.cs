using EventBus.Samples.Orders.Demo;
using Microsoft.Extensions.Logging;

// The order saga sample: places a mix of orders, prints what happened to each, writes a Mermaid diagram.
// Everything runs in process: no server, no setup. Try `dotnet run --project samples/OrderSaga -- --help`.
var parsed = DemoCommandLine.Parse(args);
if (parsed.ShowHelp)
{
    Console.WriteLine(DemoCommandLine.Help);
    return 0;
}

if (parsed.Error is not null)
{
    Console.Error.WriteLine(parsed.Error);
    Console.Error.WriteLine("Run with --help to see the options.");
    return 2;
}

var options = parsed.Options!;
await using var demo = OrderSagaDemo.Create(options, logging: options.Verbose
    ? logging => logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Debug)
    : null);
await demo.StartAsync();
if (options.Store == DemoStore.Sqlite)
{
    var earlier = demo.EarlierRuns;
    Console.WriteLine($"SQLite database {options.DatabasePath}:");
    Console.WriteLine(earlier.Orders == 0
        ? "  no orders from earlier runs; this is the first run on this file."
        : $"  {earlier.Orders} orders (saga instances) from earlier runs ({string.Join(", ", earlier.ByStatus.OrderBy(p => p.Key).Select(p => $"{p.Value} {p.Key}"))}); "
          + $"this run numbers its orders from {demo.Orders[0].Order.OrderId}.");
}

Console.WriteLine($"Placing {options.Orders} orders (seed {options.Seed}, payment timeout {options.PaymentTimeout.TotalSeconds:0.###} s)…");
Console.WriteLine();
await demo.PlaceOrdersAsync();
try
{
    // Timed-out payments take PaymentTimeout; the rest settles in milliseconds. The margin is only a safety net.
    await demo.Settled.WaitAsync(options.PaymentTimeout + TimeSpan.FromSeconds(30));
}
catch (TimeoutException)
{
    Console.WriteLine("Some orders did not settle within the payment timeout plus 30 s; the summary shows which.");
}

var report = await demo.FinishAsync();
Console.Write(ReportWriter.Render(report));

var diagramDirectory = Path.GetDirectoryName(options.DiagramPath);
if (!string.IsNullOrEmpty(diagramDirectory))
{
    Directory.CreateDirectory(diagramDirectory);
}

await File.WriteAllTextAsync(options.DiagramPath, MermaidDiagram.Render(report));
Console.WriteLine();
Console.WriteLine($"Mermaid diagram of the bus topology and saga flow written to {options.DiagramPath}");

if (!report.AllAsPlanned && report.Healthy)
{
    Console.WriteLine("Some orders ended otherwise than planned, each consistently: a payment confirmation slower than");
    Console.WriteLine("--payment-timeout cancels the order and voids (refunds) the payment. Raise --payment-timeout to avoid it.");
}

if (options.Store == DemoStore.Sqlite)
{
    Console.WriteLine($"The database now holds {demo.EarlierRuns.Orders + report.Instances.Count} orders; run again with the same --db to continue.");
}

// Exit 1 only for a fault: an order left half done, a saga started twice, or a dead letter.
return report.Healthy ? 0 : 1;
