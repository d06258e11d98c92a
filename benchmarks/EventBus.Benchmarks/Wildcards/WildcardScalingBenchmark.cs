using BenchmarkDotNet.Attributes;
using EventBus.Benchmarks.Dispatch;
using EventBus.Benchmarks.Peers;
using EventBus.Benchmarks.Support;

namespace EventBus.Benchmarks.Wildcards;

/// <summary>
/// Publish cost (to delivery, one matching subscriber) while <see cref="NonMatchingPatterns"/> wildcard subscriptions
/// that do not match are registered. Matching is resolved when subscriptions change and cached per event type, so the
/// cost should not grow with them.
/// </summary>
[MemoryDiagnoser]
public class WildcardScalingBenchmark
{
    private const int EventsPerInvocation = 4096;

    private DispatchRun _run = null!;

    [Params(10, 1_000, 10_000)]
    public int NonMatchingPatterns { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var countdown = new DeliveryCountdown(1);
        var target = await EventBusTarget.CreateAsync(1, countdown, BenchEvents.Envelopes(EventsPerInvocation), EventBusMode.WildcardEnvelope);
        for (var i = 0; i < NonMatchingPatterns; i++)
        {
            // A mix of shapes, some sharing the published type's first segment: none matches "bench.dispatched".
            var pattern = (i % 4) switch
            {
                0 => $"other{i}.*",
                1 => $"bench.other{i}.#",
                2 => $"#.other{i}",
                _ => $"*.dispatched.other{i}",
            };
            target.Bus.Subscribe(pattern, static (_, _) => default);
        }

        _run = new DispatchRun(target, countdown, EventsPerInvocation);
    }

    [Benchmark(OperationsPerInvoke = EventsPerInvocation)]
    public Task PublishToOneMatch() => _run.RunAsync();

    [GlobalCleanup]
    public Task CleanupAsync() => _run.DisposeAsync().AsTask();
}
