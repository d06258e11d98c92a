using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace EventBus.Testing.Tests.Harness;

[EventType("order.placed")]
public sealed record OrderPlaced(string OrderId);

[EventType("order.billed")]
public sealed record OrderBilled(string OrderId);

[EventType("order.shipped")]
public sealed record OrderShipped(string OrderId);

public sealed class EventBusTestHarnessTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public void AddEventBusTestHarness_NoClockRegistered_UsesFakeTimeProvider()
    {
        var services = new ServiceCollection();
        services.AddEventBus();
        services.AddEventBusTestHarness();
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<TimeProvider>().Should().BeOfType<FakeTimeProvider>();
        provider.GetRequiredService<EventBusTestHarness>().Time.Should().BeSameAs(provider.GetRequiredService<TimeProvider>());
    }

    [Fact]
    public void AddEventBusTestHarness_FakeClockRegistered_KeepsIt()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        services.AddEventBus();
        services.AddEventBusTestHarness();
        services.AddEventBusTestHarness();
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<EventBusTestHarness>().Time.Should().BeSameAs(clock);
        services.Count(d => d.ServiceType == typeof(EventBusTestHarness)).Should().Be(1);
    }

    [Fact]
    public async Task Published_HandlersPublishInTurn_RecordsEveryEventOnceIdle()
    {
        await using var provider = BuildChain();
        var harness = provider.GetRequiredService<EventBusTestHarness>();
        await harness.StartAsync(Token);

        await harness.Bus.PublishAsync(new OrderPlaced("o-1"), Token);
        await harness.WaitUntilIdleAsync(Token);

        harness.Published<OrderPlaced>().Should().ContainSingle().Which.Payload.OrderId.Should().Be("o-1");
        harness.Published<OrderBilled>().Should().ContainSingle();
        harness.Published<OrderShipped>().Should().ContainSingle();
        harness.Published("order.*").Should().HaveCount(3);
        harness.DeadLettered().Should().BeEmpty();
    }

    [Fact]
    public async Task DeadLettered_HandlerThrows_RecordsTheDeadLetter()
    {
        var services = new ServiceCollection();
        services.AddEventBus(o => o.Resilience.Enabled = false); // retries would wait on the fake clock
        services.AddEventBusTestHarness();
        await using var provider = services.BuildServiceProvider();
        var harness = provider.GetRequiredService<EventBusTestHarness>();
        await harness.StartAsync(Token);
        using var failing = harness.Bus.Subscribe<OrderPlaced>(_ => throw new InvalidOperationException("boom"));

        await harness.Bus.PublishAsync(new OrderPlaced("o-1"), Token);
        await harness.WaitUntilIdleAsync(Token);

        var deadLetter = harness.DeadLettered("order.placed").Should().ContainSingle().Subject;
        deadLetter.Reason.Should().Be(DeadLetterReason.HandlerFailed);
        deadLetter.ExceptionMessage.Should().Be("boom");
        harness.DeadLettered().Should().ContainSingle();
    }

    [Fact]
    public async Task WaitUntilIdleAsync_SameScenario200Times_IsIdleWithEverythingRecordedEveryTime()
    {
        for (var run = 0; run < 200; run++)
        {
            await using var provider = BuildChain();
            var harness = provider.GetRequiredService<EventBusTestHarness>();
            await harness.StartAsync(Token);

            for (var i = 0; i < 5; i++)
            {
                await harness.Bus.PublishAsync(new OrderPlaced($"o-{i}"), Token);
            }

            await harness.WaitUntilIdleAsync(Token);

            harness.Published<OrderShipped>().Should().HaveCount(5, "run {0} must record every shipment", run);
            harness.Published().Should().HaveCount(15, "run {0}", run);
            provider.GetRequiredService<ShipmentCounter>().Count.Should().Be(5, "run {0}", run);
        }
    }

    private static ServiceProvider BuildChain()
    {
        var services = new ServiceCollection();
        services.AddSingleton<ShipmentCounter>();
        services.AddEventBus()
            .AddHandler<OrderPlaced, BillingHandler>()
            .AddHandler<OrderBilled, ShippingHandler>()
            .AddHandler<OrderShipped, ShipmentCounterHandler>();
        services.AddEventBusTestHarness();
        return services.BuildServiceProvider();
    }

    public sealed class ShipmentCounter
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public void Increment() => Interlocked.Increment(ref _count);
    }

    public sealed class BillingHandler(IEventBus bus) : IEventHandler<OrderPlaced>
    {
        public async ValueTask HandleAsync(Event<OrderPlaced> @event, CancellationToken cancellationToken)
        {
            await Task.Yield();
            await bus.PublishAsync(new OrderBilled(@event.Payload.OrderId), cancellationToken);
        }
    }

    public sealed class ShippingHandler(IEventBus bus) : IEventHandler<OrderBilled>
    {
        public async ValueTask HandleAsync(Event<OrderBilled> @event, CancellationToken cancellationToken)
        {
            await Task.Yield();
            await bus.PublishAsync(new OrderShipped(@event.Payload.OrderId), cancellationToken);
        }
    }

    public sealed class ShipmentCounterHandler(ShipmentCounter counter) : IEventHandler<OrderShipped>
    {
        public async ValueTask HandleAsync(Event<OrderShipped> @event, CancellationToken cancellationToken)
        {
            await Task.Yield();
            counter.Increment();
        }
    }
}
