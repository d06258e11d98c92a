using BenchmarkDotNet.Attributes;
using EventBus.Benchmarks.Peers;
using EventBus.Benchmarks.Support;
using Microsoft.Extensions.DependencyInjection;

namespace EventBus.Benchmarks.Priority;

/// <summary>
/// Time for a High event to reach its handler behind a backlog of Low events: the subscriber's handler is blocked on
/// its first event while <see cref="Backlog"/> Low events queue up; each operation publishes one High event, releases
/// the handler and measures until the High handler starts.
/// </summary>
/// <remarks>
/// One operation per iteration (<c>InvocationCount(1)</c>), so Mean/Median are per-event latencies. The baseline is a
/// single FIFO <c>Channel&lt;Event&gt;</c>: there the High event waits for the whole backlog, so its time grows with
/// <see cref="Backlog"/>; with EventBus's priority lanes it should not.
/// </remarks>
[MemoryDiagnoser]
[InvocationCount(1)]
public class PriorityBenchmark
{
    private readonly GatedHandler _handler = new();
    private Event _gate = null!;
    private Event _high = null!;
    private Event<BenchPayload>[] _lows = [];
    private Func<Event, ValueTask> _publish = null!;
    private IAsyncDisposable _owner = null!;

    [Params(10_000, 100_000)]
    public int Backlog { get; set; }

    [GlobalSetup(Target = nameof(RawChannel_Fifo))]
    public void SetupRawChannel()
    {
        BuildEvents();
        var target = new RawChannelTarget([_gate], [_handler.HandleAsync]);
        _publish = target.WriteAsync;
        _owner = target;
    }

    [GlobalSetup(Target = nameof(EventBus_PriorityLanes))]
    public async Task SetupEventBus()
    {
        BuildEvents();
        var provider = new ServiceCollection().AddEventBus().Services.BuildServiceProvider();
        var bus = provider.GetRequiredService<IEventBus>();
        await provider.GetRequiredService<IEventBusLifetime>().StartAsync();
        bus.Subscribe("bench.#", _handler.HandleAsync, new SubscriptionOptions { Capacity = Backlog + 16 });
        _publish = e => bus.PublishAsync(e, CancellationToken.None);
        _owner = provider;
    }

    [IterationSetup]
    public void FillBacklog()
    {
        _handler.Arm(Backlog);
        Wait(_publish(_gate));
        _handler.GateEntered.GetAwaiter().GetResult();
        foreach (var low in _lows)
        {
            Wait(_publish(low));
        }
    }

    [Benchmark(Baseline = true)]
    public void RawChannel_Fifo() => PublishHigh();

    [Benchmark]
    public void EventBus_PriorityLanes() => PublishHigh();

    [IterationCleanup]
    public void DrainBacklog() => _handler.LowDrained.GetAwaiter().GetResult();

    [GlobalCleanup]
    public Task CleanupAsync() => _owner.DisposeAsync().AsTask();

    private static void Wait(ValueTask pending)
    {
        if (!pending.IsCompletedSuccessfully)
        {
            pending.AsTask().GetAwaiter().GetResult();
        }
    }

    // Synchronous on purpose: awaiting a task here would measure until a thread-pool thread is free to resume the
    // benchmark, which for EventBus is after the worker has drained the backlog it just overtook.
    private void PublishHigh()
    {
        Wait(_publish(_high));
        _handler.OpenGate();
        _handler.WaitForHighStarted();
    }

    private void BuildEvents()
    {
        _gate = BenchEvents.Envelopes(1)[0] with { Payload = new BenchPayload { Sequence = GatedHandler.GateSequence } };
        _high = BenchEvents.Envelopes(1, EventPriority.High)[0];
        _lows = BenchEvents.Envelopes(Backlog, EventPriority.Low);
    }
}
