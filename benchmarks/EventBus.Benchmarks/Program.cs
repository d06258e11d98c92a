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
BenchmarkSwitcher.FromAssembly(typeof(BenchConfig).Assembly).Run(args, new BenchConfig());
