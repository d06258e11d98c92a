using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using EventBus.Benchmarks.Dispatch;
using EventBus.Benchmarks.Support;

// Examples:
//   dotnet run -c Release --project benchmarks/EventBus.Benchmarks -- --filter '*Dispatch*' --job short
//   dotnet run -c Release --project benchmarks/EventBus.Benchmarks -- --filter '*'
//   strace -c -f dotnet benchmarks/EventBus.Benchmarks/bin/Release/net10.0/EventBus.Benchmarks.dll --full-queue-once full
// See benchmarks/README.md for the suites and benchmarks/run-full.sh for the full, committed run.
if (args is ["--full-queue-once", var which])
{
    // One invocation of FullQueueBenchmark in this process, without BenchmarkDotNet, for tools that watch a process
    // (strace -c -f counts its system calls): "full" (capacity 1,000) or "never-full".
    await FullQueueBenchmark.RunOnceAsync(full: which == "full");
    return;
}

LatencyStore.PrepareHostDirectory();

// The PostgreSQL suites need a server: without EVENTBUS_PG_CONNECTION_STRING they are left out, with a message.
var suites = typeof(BenchConfig).Assembly.GetTypes()
    .Where(t => t is { IsClass: true, IsAbstract: false, IsPublic: true } && t.GetMethods().Any(m => m.IsDefined(typeof(BenchmarkAttribute), inherit: false)))
    .ToList();
if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("EVENTBUS_PG_CONNECTION_STRING")))
{
    var skipped = suites.Where(t => t.IsDefined(typeof(RequiresPostgreSqlAttribute), inherit: false)).ToList();
    suites.RemoveAll(skipped.Contains);
    Console.Error.WriteLine($"Skipping the PostgreSQL suites ({string.Join(", ", skipped.Select(t => t.Name))}): EVENTBUS_PG_CONNECTION_STRING is not set (e.g. eval \"$(.ci/postgres-start.sh)\").");
}

BenchmarkSwitcher.FromTypes([.. suites]).Run(args, new BenchConfig());
