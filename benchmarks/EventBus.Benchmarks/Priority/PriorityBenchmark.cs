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
/// <para>One operation per iteration (<c>InvocationCount(1)</c>), so Mean/Median are per-event latencies. The baseline
/// is a single FIFO <c>Channel&lt;Event&gt;</c>: there the High event waits for the whole backlog, so its time grows
/// with <see cref="Backlog"/>; with EventBus's priority lanes it should not. Each iteration checks the order it
/// measured: FIFO must handle the whole backlog first, EventBus none of it (the benchmark fails otherwise).</para>
/// <para>The measuring thread busy-waits for the handler's start (<see cref="GatedHandler.WaitForHighStarted"/>): a
/// blocked waiter is woken by the worker that then goes on draining the backlog, and the OS ran it milliseconds
/// later, which showed up as a High latency growing with the backlog although the handler had started within
/// microseconds.</para>
/// <para>EventBus is measured twice. <see cref="EventBus_PriorityLanes"/> subscribes as a user would, with the default
/// failure policy (timeouts, retry, circuit breaker: the gate event resumes through that pipeline before the High
/// event enters it). <see cref="EventBus_PriorityLanes_NoFailurePolicy"/> turns the policy off
/// (<see cref="ResilienceOptions.Enabled"/> = <see langword="false"/>), so the handler is called directly: the
/// difference is the policy's share of the latency, the remainder is the lanes' own.</para>
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
    private int _expectedLowsBeforeHigh;

    [Params(10_000, 100_000)]
    public int Backlog { get; set; }

    [GlobalSetup(Target = nameof(RawChannel_Fifo))]
    public void SetupRawChannel()
    {
        BuildEvents();
        var target = new RawChannelTarget<Event>([_gate], [_handler.HandleAsync]);
        _publish = target.WriteAsync;
        _owner = target;
        _expectedLowsBeforeHigh = Backlog;
    }

    [GlobalSetup(Target = nameof(EventBus_PriorityLanes))]
    public Task SetupEventBus() => SetupEventBusAsync(new SubscriptionOptions { Capacity = Backlog + 16 });

    [GlobalSetup(Target = nameof(EventBus_PriorityLanes_NoFailurePolicy))]
    public Task SetupEventBusWithoutFailurePolicy() => SetupEventBusAsync(new SubscriptionOptions
    {
        Capacity = Backlog + 16,
        ConfigureResilience = resilience => resilience.Enabled = false,
    });

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

    [Benchmark]
    public void EventBus_PriorityLanes_NoFailurePolicy() => PublishHigh();

    [IterationCleanup]
    public void DrainBacklog()
    {
        _handler.LowDrained.GetAwaiter().GetResult();
        if (_handler.LowsBeforeHigh != _expectedLowsBeforeHigh)
        {
            throw new InvalidOperationException(
                $"{_handler.LowsBeforeHigh} Low events were handled before the High one; expected {_expectedLowsBeforeHigh}.");
        }
    }

    [GlobalCleanup]
    public Task CleanupAsync() => _owner.DisposeAsync().AsTask();

    private static void Wait(ValueTask pending)
    {
        if (!pending.IsCompletedSuccessfully)
        {
            pending.AsTask().GetAwaiter().GetResult();
        }
    }

    // Synchronous and spinning on purpose: awaiting a task here would measure until a thread-pool thread is free to
    // resume the benchmark, and blocking until the OS runs this thread again; both can be after the worker drained
    // (part of) the backlog it just overtook.
    private void PublishHigh()
    {
        Wait(_publish(_high));
        _handler.OpenGate();
        _handler.WaitForHighStarted();
    }

    private async Task SetupEventBusAsync(SubscriptionOptions options)
    {
        BuildEvents();
        var provider = new ServiceCollection().AddEventBus().Services.BuildServiceProvider();
        var bus = provider.GetRequiredService<IEventBus>();
        await provider.GetRequiredService<IEventBusLifetime>().StartAsync();
        bus.Subscribe("bench.#", _handler.HandleAsync, options);
        _publish = e => bus.PublishAsync(e, CancellationToken.None);
        _owner = provider;
        _expectedLowsBeforeHigh = 0;
    }

    private void BuildEvents()
    {
        _gate = BenchEvents.Envelopes(1)[0] with { Payload = new BenchPayload { Sequence = GatedHandler.GateSequence } };
        _high = BenchEvents.Envelopes(1, EventPriority.High)[0];
        _lows = BenchEvents.Envelopes(Backlog, EventPriority.Low);
    }
}
