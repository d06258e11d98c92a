using BenchmarkDotNet.Running;
using EventBus.Benchmarks.Support;

// Examples:
//   dotnet run -c Release --project benchmarks/EventBus.Benchmarks -- --filter '*Dispatch*' --job short
//   dotnet run -c Release --project benchmarks/EventBus.Benchmarks -- --filter '*'
// See benchmarks/README.md for the suites and benchmarks/run-full.sh for the full, committed run.
LatencyStore.PrepareHostDirectory();
BenchmarkSwitcher.FromAssembly(typeof(BenchConfig).Assembly).Run(args, new BenchConfig());
