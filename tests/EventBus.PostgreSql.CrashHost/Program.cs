// The child process of the PostgreSQL crash test (tests/EventBus.PostgreSql.Tests/Crash/). The test kills it with SIGKILL.
// Usage: EventBus.PostgreSql.CrashHost <connection string> <schema> <seed> <appenders>
//   Runs the bus with UsePostgreSql in <schema> and the outbox, then appends random batches to a few streams from
//   <appenders> concurrent loops forever. It prints "READY" once started, "ACK <batch> <stream> <count> <stream version>
//   <position>" once an append returned (committed), and "PUB <event id>" as the outbox hands a stored event to the bus.
//   Closing its stdin ends it (so an abandoned child does not append forever).
using System.Globalization;
using EventBus;
using EventBus.Sqlite.CrashHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

if (args is not [var connectionString, var schema, var seedText, var appendersText]
    || !int.TryParse(seedText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed)
    || !int.TryParse(appendersText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var appenders)
    || appenders < 1)
{
    Console.Error.WriteLine("usage: EventBus.PostgreSql.CrashHost <connection string> <schema> <seed> <appenders (1 or more)>");
    return 2;
}

AppendLoop.ExitWhenInputCloses();

var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
builder.Services.AddEventBus()
    .UsePostgreSql(connectionString, o =>
    {
        o.Schema = schema;

        // A killed child keeps the outbox lease until it lapses; short leases let the next child (or the test's
        // drain) take the outbox over within a second or two instead of the default 15 s.
        o.LeaseDuration = TimeSpan.FromSeconds(1);
        o.LeaseRenewInterval = TimeSpan.FromMilliseconds(300);
        o.LeaseAcquireInterval = TimeSpan.FromMilliseconds(100);
        o.PollInterval = TimeSpan.FromMilliseconds(50);
    })
    .AddEventStore(o => o.OutboxBatchSize = 16)
    .AddEventType<CrashEvent>();
PrintingBus.Decorate(builder.Services);
using var host = builder.Build();
await AppendLoop.RunAsync(host, "pg-crash-", seed, appenders);
return 0;
