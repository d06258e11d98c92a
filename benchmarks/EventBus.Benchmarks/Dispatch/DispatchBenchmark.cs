using BenchmarkDotNet.Attributes;
using EventBus.Benchmarks.Peers;
using EventBus.Benchmarks.Support;

namespace EventBus.Benchmarks.Dispatch;

/// <summary>
/// Dispatch throughput: time per published event until every subscriber's handler has run for it (delivered, not just
/// enqueued), EventBus side by side with the raw channel baseline and the peers, in one table.
/// </summary>
/// <remarks>
/// Each invocation publishes <see cref="EventsPerInvocation"/> pre-built events and awaits a countdown the handlers
/// signal; <c>OperationsPerInvoke</c> turns that into time and allocation per published event. Every handler does the
/// same work (one <see cref="IDeliveryObserver.Delivered"/> call). The peers have no AMQP wildcard subscriptions; they
/// subscribe by message type, their natural shape. <see cref="EventBus_Default"/> is what a user gets without tuning
/// (<c>PublishAsync(payload)</c>, the default failure policy); the rows after it switch one thing at a time: a
/// pre-built envelope, no failure policy, a wildcard subscription.
/// <see cref="RawChannel_Allocating"/> is the raw channel building one envelope-sized object per publish: the payload
/// rows pay that too, so it shows how much of their gap to the baseline is the allocation and hand-off itself.
/// </remarks>
[MemoryDiagnoser]
public class DispatchBenchmark
{
    public const int EventsPerInvocation = 4096;

    private DispatchRun _run = null!;

    [Params(1, 4, 16)]
    public int Subscribers { get; set; }

    [GlobalSetup(Target = nameof(RawChannel))]
    public void SetupRawChannel()
    {
        var countdown = new DeliveryCountdown(Subscribers);
        Use(new RawChannelTarget<Event>(Subscribers, countdown, BenchEvents.Envelopes(EventsPerInvocation)), countdown);
    }

    [GlobalSetup(Target = nameof(RawChannel_Allocating))]
    public void SetupRawChannelAllocating()
    {
        var countdown = new DeliveryCountdown(Subscribers);
        Use(new RawChannelTarget<StampedMessage>(Subscribers, countdown, NewStampedMessages()), countdown);
    }

    [GlobalSetup(Target = nameof(EventBus_Default))]
    public Task SetupEventBusDefault() => SetupEventBusAsync(EventBusMode.TypedPayload, failurePolicy: true);

    [GlobalSetup(Target = nameof(EventBus_Typed))]
    public Task SetupEventBusTyped() => SetupEventBusAsync(EventBusMode.TypedEnvelope);

    [GlobalSetup(Target = nameof(EventBus_Wildcard))]
    public Task SetupEventBusWildcard() => SetupEventBusAsync(EventBusMode.WildcardEnvelope);

    [GlobalSetup(Target = nameof(EventBus_PublishPayload))]
    public Task SetupEventBusPayload() => SetupEventBusAsync(EventBusMode.TypedPayload);

    [GlobalSetup(Target = nameof(EventBus_DefaultPolicy))]
    public Task SetupEventBusDefaultPolicy() => SetupEventBusAsync(EventBusMode.TypedEnvelope, failurePolicy: true);

    [GlobalSetup(Target = nameof(MassTransit_Mediator))]
    public void SetupMassTransitMediator()
    {
        var countdown = new DeliveryCountdown(Subscribers);
        Use(new MassTransitMediatorTarget(Subscribers, countdown, BenchEvents.Messages(EventsPerInvocation)), countdown);
    }

    [GlobalSetup(Target = nameof(MassTransit_InMemory))]
    public async Task SetupMassTransitInMemory()
    {
        var countdown = new DeliveryCountdown(Subscribers);
        Use(await MassTransitInMemoryTarget.CreateAsync(Subscribers, countdown, BenchEvents.Messages(EventsPerInvocation)), countdown);
    }

    [GlobalSetup(Target = nameof(Wolverine_LocalQueues))]
    public async Task SetupWolverine()
    {
        var countdown = new DeliveryCountdown(Subscribers);
        Use(await WolverineLocalQueuesTarget.CreateAsync(Subscribers, countdown, BenchEvents.Messages(EventsPerInvocation)), countdown);
    }

    [GlobalSetup(Target = nameof(Akka_EventStream))]
    public void SetupAkka()
    {
        var countdown = new DeliveryCountdown(Subscribers);
        Use(new AkkaEventStreamTarget<BenchMessage>(Subscribers, countdown, BenchEvents.Messages(EventsPerInvocation)), countdown);
    }

    [GlobalSetup(Target = nameof(Akka_EventStream_Allocating))]
    public void SetupAkkaAllocating()
    {
        var countdown = new DeliveryCountdown(Subscribers);
        Use(new AkkaEventStreamTarget<StampedMessage>(Subscribers, countdown, NewStampedMessages()), countdown);
    }

    /// <summary>One unbounded <c>Channel&lt;Event&gt;</c> per subscriber, a reader loop calling the handler delegate.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = EventsPerInvocation)]
    public Task RawChannel() => _run.RunAsync();

    /// <summary>The raw channel, but the publisher allocates and time-stamps a 112-byte message per event (the size of
    /// EventBus's envelope) instead of reusing pre-built ones: the floor under any API that builds an envelope per
    /// publish, such as <c>PublishAsync(payload)</c>.</summary>
    [Benchmark(OperationsPerInvoke = EventsPerInvocation)]
    public Task RawChannel_Allocating() => _run.RunAsync();

    /// <summary>The default path: <c>PublishAsync&lt;T&gt;(payload)</c> (the bus builds and stamps the envelope) to a
    /// <c>Subscribe&lt;T&gt;</c> delegate with the default failure policy.</summary>
    [Benchmark(OperationsPerInvoke = EventsPerInvocation)]
    public Task EventBus_Default() => _run.RunAsync();

    /// <summary><c>Subscribe&lt;T&gt;</c>, publishing pre-built stamped envelopes.</summary>
    [Benchmark(OperationsPerInvoke = EventsPerInvocation)]
    public Task EventBus_Typed() => _run.RunAsync();

    /// <summary><c>Subscribe("bench.#")</c>, publishing pre-built stamped envelopes.</summary>
    [Benchmark(OperationsPerInvoke = EventsPerInvocation)]
    public Task EventBus_Wildcard() => _run.RunAsync();

    /// <summary><c>PublishAsync&lt;T&gt;(payload)</c>: includes building and stamping the envelope (id, time, correlation).</summary>
    [Benchmark(OperationsPerInvoke = EventsPerInvocation)]
    public Task EventBus_PublishPayload() => _run.RunAsync();

    /// <summary><c>Subscribe&lt;T&gt;</c> with the default failure policy (retry, attempt and operation timeouts, circuit
    /// breaker), pre-built envelopes: what the policy costs per delivery when nothing fails.</summary>
    [Benchmark(OperationsPerInvoke = EventsPerInvocation)]
    public Task EventBus_DefaultPolicy() => _run.RunAsync();

    [Benchmark(OperationsPerInvoke = EventsPerInvocation)]
    public Task MassTransit_Mediator() => _run.RunAsync();

    [Benchmark(OperationsPerInvoke = EventsPerInvocation)]
    public Task MassTransit_InMemory() => _run.RunAsync();

    [Benchmark(OperationsPerInvoke = EventsPerInvocation)]
    public Task Wolverine_LocalQueues() => _run.RunAsync();

    [Benchmark(OperationsPerInvoke = EventsPerInvocation)]
    public Task Akka_EventStream() => _run.RunAsync();

    /// <summary>Akka.NET's EventStream publishing a new envelope-sized, time-stamped message per event, as the allocating
    /// raw channel does: the peer under the same floor as <c>PublishAsync(payload)</c>.</summary>
    [Benchmark(OperationsPerInvoke = EventsPerInvocation)]
    public Task Akka_EventStream_Allocating() => _run.RunAsync();

    [GlobalCleanup]
    public Task CleanupAsync() => _run.DisposeAsync().AsTask();

    private async Task SetupEventBusAsync(EventBusMode mode, bool failurePolicy = false)
    {
        var countdown = new DeliveryCountdown(Subscribers);
        var events = BenchEvents.Envelopes(EventsPerInvocation);
        Use(await EventBusTarget.CreateAsync(Subscribers, countdown, events, mode, failurePolicy: failurePolicy), countdown);
    }

    /// <summary>Builds a new envelope-sized message per publish, time-stamped by the system clock as the bus stamps
    /// an envelope: what the allocating rows publish.</summary>
    private static Func<int, StampedMessage> NewStampedMessages()
    {
        var payloads = BenchEvents.Payloads(EventsPerInvocation);
        var clock = TimeProvider.System;
        return index => new StampedMessage(payloads[index], BenchPayload.TypeName, "/bench", clock.GetUtcNow());
    }

    private void Use(IDispatchTarget target, DeliveryCountdown countdown) => _run = new DispatchRun(target, countdown, EventsPerInvocation);
}
