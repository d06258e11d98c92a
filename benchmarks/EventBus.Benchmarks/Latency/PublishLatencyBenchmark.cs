using BenchmarkDotNet.Attributes;
using EventBus.Benchmarks.Peers;
using EventBus.Benchmarks.Support;

namespace EventBus.Benchmarks.Latency;

/// <summary>
/// Publish → handler-start latency under light load: one event in flight at a time, one subscriber, which is idle
/// (parked) when the event arrives, so the figure includes waking the subscriber's worker.
/// </summary>
/// <remarks>
/// Mean is the whole round trip of one operation (publish, handler start, the benchmark resuming). The per-event
/// <c>P50 latency</c> and <c>P99 latency</c> columns are measured inside the benchmark process from publish to the
/// first statement of the handler, over the last <see cref="LatencyProbe.Capacity"/> events.
/// </remarks>
[MemoryDiagnoser]
public class PublishLatencyBenchmark
{
    private const int Events = 1024;

    private readonly LatencyProbe _probe = new();
    private IDispatchTarget _target = null!;
    private string _method = "";
    private int _next;

    [GlobalSetup(Target = nameof(RawChannel))]
    public void SetupRawChannel() => Use(nameof(RawChannel), new RawChannelTarget<Event>(1, _probe, BenchEvents.Envelopes(Events)));

    [GlobalSetup(Target = nameof(EventBus_Envelope))]
    public async Task SetupEventBusEnvelope() =>
        Use(nameof(EventBus_Envelope), await EventBusTarget.CreateAsync(1, _probe, BenchEvents.Envelopes(Events), EventBusMode.TypedEnvelope));

    [GlobalSetup(Target = nameof(EventBus_PublishPayload))]
    public async Task SetupEventBusPayload() =>
        Use(nameof(EventBus_PublishPayload), await EventBusTarget.CreateAsync(1, _probe, BenchEvents.Envelopes(Events), EventBusMode.TypedPayload));

    [GlobalSetup(Target = nameof(MassTransit_Mediator))]
    public void SetupMassTransitMediator() => Use(nameof(MassTransit_Mediator), new MassTransitMediatorTarget(1, _probe, BenchEvents.Messages(Events)));

    [GlobalSetup(Target = nameof(MassTransit_InMemory))]
    public async Task SetupMassTransitInMemory() =>
        Use(nameof(MassTransit_InMemory), await MassTransitInMemoryTarget.CreateAsync(1, _probe, BenchEvents.Messages(Events)));

    [GlobalSetup(Target = nameof(Wolverine_LocalQueues))]
    public async Task SetupWolverine() =>
        Use(nameof(Wolverine_LocalQueues), await WolverineLocalQueuesTarget.CreateAsync(1, _probe, BenchEvents.Messages(Events)));

    [GlobalSetup(Target = nameof(Akka_EventStream))]
    public void SetupAkka() => Use(nameof(Akka_EventStream), new AkkaEventStreamTarget<BenchMessage>(1, _probe, BenchEvents.Messages(Events)));

    [Benchmark(Baseline = true)]
    public ValueTask RawChannel() => PublishOneAsync();

    [Benchmark]
    public ValueTask EventBus_Envelope() => PublishOneAsync();

    [Benchmark]
    public ValueTask EventBus_PublishPayload() => PublishOneAsync();

    [Benchmark]
    public ValueTask MassTransit_Mediator() => PublishOneAsync();

    [Benchmark]
    public ValueTask MassTransit_InMemory() => PublishOneAsync();

    [Benchmark]
    public ValueTask Wolverine_LocalQueues() => PublishOneAsync();

    [Benchmark]
    public ValueTask Akka_EventStream() => PublishOneAsync();

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        LatencyStore.Write(nameof(PublishLatencyBenchmark), _method, "", _probe.Summarize());
        await _target.DisposeAsync();
    }

    private async ValueTask PublishOneAsync()
    {
        var handled = _probe.Start();
        await _target.PublishAsync(_next++ & (Events - 1));
        await handled;
    }

    private void Use(string method, IDispatchTarget target)
    {
        _method = method;
        _target = target;
    }
}
