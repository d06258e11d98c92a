using BenchmarkDotNet.Attributes;
using EventBus.Benchmarks.Peers;
using EventBus.Benchmarks.Support;

namespace EventBus.Benchmarks.Dispatch;

/// <summary>
/// Backpressure: one publisher that outruns its subscriber, with a queue far smaller than what it publishes
/// (capacity 1,000, 1,000,000 events per invocation, overflow policy <c>Wait</c>), against the same bus whose queue never
/// fills. Default failure policy, pre-built envelopes, one subscriber: time and allocation per event.
/// </summary>
/// <remarks>
/// What it guards: a publisher that finds the queue full waits without spinning, and neither it nor the worker pays a
/// system call or an allocation per event while the queue is full (a waiting publisher is woken once three quarters of
/// the capacity are free). The envelopes are 4,096 pre-built ones published in turn.
/// </remarks>
[MemoryDiagnoser]
public class FullQueueBenchmark
{
    public const int EventsPerInvocation = 1_000_000;
    private const int FullCapacity = 1_000;
    private const int Envelopes = 4_096;

    private EventBusTarget _target = null!;
    private DeliveryCountdown _countdown = null!;

    [Params(1)]
    public int Subscribers { get; set; }

    [GlobalSetup(Target = nameof(NeverFull))]
    public Task SetupNeverFull() => SetupAsync(capacity: EventsPerInvocation);

    [GlobalSetup(Target = nameof(FullQueue))]
    public Task SetupFullQueue() => SetupAsync(capacity: FullCapacity);

    /// <summary>Capacity 1,000,000: the publisher never waits.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = EventsPerInvocation)]
    public Task NeverFull() => RunAsync();

    /// <summary>Capacity 1,000: the publisher waits for room most of the time.</summary>
    [Benchmark(OperationsPerInvoke = EventsPerInvocation)]
    public Task FullQueue() => RunAsync();

    [GlobalCleanup]
    public ValueTask CleanupAsync() => _target.DisposeAsync();

    /// <summary>Runs one invocation outside BenchmarkDotNet (see Program.cs), printing how long it took.</summary>
    public static async Task RunOnceAsync(bool full)
    {
        var benchmark = new FullQueueBenchmark { Subscribers = 1 };
        await benchmark.SetupAsync(full ? FullCapacity : EventsPerInvocation);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        await benchmark.RunAsync();
        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        Console.WriteLine($"{(full ? "full queue" : "never full")}: {EventsPerInvocation:N0} events in {elapsed.TotalMilliseconds:N0} ms");
        await benchmark.CleanupAsync();
    }

    private async Task SetupAsync(int capacity)
    {
        _countdown = new DeliveryCountdown(Subscribers);
        _target = await EventBusTarget.CreateAsync(
            Subscribers,
            _countdown,
            BenchEvents.Envelopes(Envelopes),
            EventBusMode.TypedEnvelope,
            options: o =>
            {
                o.Capacity = capacity;
                o.OverflowPolicy = OverflowPolicy.Wait;
            },
            failurePolicy: true);
    }

    private async Task RunAsync()
    {
        var delivered = _countdown.Arm(EventsPerInvocation);
        for (var i = 0; i < EventsPerInvocation; i++)
        {
            var published = _target.PublishAsync(i & (Envelopes - 1));
            if (!published.IsCompletedSuccessfully)
            {
                await published;
            }
        }

        await delivered;
    }
}
