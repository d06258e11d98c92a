// The child process of the SQLite crash tests (tests/EventBus.Sqlite.Tests/Crash/). The tests kill it with SIGKILL.
// Usage: EventBus.Sqlite.CrashHost <database file> <full|normal> <seed> <appenders>
//   Runs the bus with the SQLite stores and the outbox, then appends batches from several concurrent appenders forever,
//   printing "ACK <batch> <stream> <count> <stream version> <position>" once each append returned (committed), and
//   "PUB <event id>" as the outbox hands each stored event to the bus.
// Usage: EventBus.Sqlite.CrashHost <database file> <subscriptions|saga|inbox|redrive|redrive-seed> <seed> <work|drain>
//   Runs one at-least-once scenario of issue 12 (see Scenarios.cs); "drain" does no new work and only finishes what
//   the file holds. A "STOP" line on stdin stops the host gracefully.
using System.Globalization;
using EventBus;
using EventBus.Sqlite.CrashHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

if (args.Length == 4 && args[1] is not ("full" or "normal"))
{
    return await Scenarios.RunAsync(args[0], args[1], int.Parse(args[2], CultureInfo.InvariantCulture), args[3] == "drain");
}

if (args.Length != 4)
{
    Console.Error.WriteLine("usage: EventBus.Sqlite.CrashHost <database file> <full|normal> <seed> <appenders>");
    return 2;
}

var path = args[0];
var synchronous = args[1] == "normal" ? SqliteSynchronousMode.Normal : SqliteSynchronousMode.Full;
var seed = int.Parse(args[2], CultureInfo.InvariantCulture);
var appenders = int.Parse(args[3], CultureInfo.InvariantCulture);

AppendLoop.ExitWhenInputCloses();

var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
builder.Services.AddEventBus()
    .UseSqlite($"Data Source={path}", o => o.Synchronous = synchronous)
    .AddEventStore(o => o.OutboxBatchSize = 16)
    .AddEventType<CrashEvent>();
PrintingBus.Decorate(builder.Services);
using var host = builder.Build();
await AppendLoop.RunAsync(host, "crash-", seed, appenders);
return 0;
