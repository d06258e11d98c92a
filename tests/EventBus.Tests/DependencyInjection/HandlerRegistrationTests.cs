using EventBus.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace EventBus.Tests.DependencyInjection;

public class HandlerRegistrationTests
{
    [Fact]
    public async Task AddHandler_ResolvesHandlerInFreshScopePerEvent_AndDisposesTheScope()
    {
        var probes = new ProbeLog();
        await using var fx = await BusFixture.StartAsync(
            b => b.AddHandler<OrderPlaced, ScopedOrderHandler>(),
            services: s => s.AddSingleton(probes).AddScoped<ScopedProbe>());

        for (var i = 0; i < 3; i++)
        {
            await fx.Bus.PublishAsync(new OrderPlaced($"o-{i}"));
        }

        await probes.Disposed.WaitForAsync(3);
        probes.Used.Items.Should().HaveCount(3).And.OnlyHaveUniqueItems("each event gets its own scope");
        probes.Disposed.Items.Should().BeEquivalentTo(probes.Used.Items, "every scope is disposed after its event");
    }

    [Fact]
    public async Task AddHandler_Pattern_ReceivesEveryMatchingType()
    {
        var probes = new ProbeLog();
        await using var fx = await BusFixture.StartAsync(
            b => b.AddHandler<AuditHandler>("order.#"),
            services: s => s.AddSingleton(probes).AddScoped<ScopedProbe>());

        await fx.Bus.PublishAsync(new OrderPlaced("o-1"));
        await fx.Bus.PublishAsync(new OrderShipped("o-1"));
        await fx.Bus.PublishAsync(new PaymentProcessed("o-1"));

        await probes.Types.WaitForAsync(2);
        await fx.Lifetime.StopAsync();
        probes.Types.Items.Should().BeEquivalentTo(["order.placed", "order.shipped"]);
    }

    [Fact]
    public async Task AddHandler_SubscriptionNameDerivedFromHandler_AndConfigurable()
    {
        await using var fx = await BusFixture.StartAsync(
            b => b.AddHandler<OrderPlaced, ScopedOrderHandler>()
                  .AddHandler<AuditHandler>("#", o => o.Name = "audit-all"),
            services: s => s.AddSingleton(new ProbeLog()).AddScoped<ScopedProbe>());

        fx.Bus.Subscriptions.Select(s => s.Name).Should().BeEquivalentTo(["ScopedOrderHandler:order.placed", "audit-all"]);
    }

    [Fact]
    public void AddHandler_InvalidPattern_ThrowsAtRegistration()
    {
        var act = () => new ServiceCollection().AddEventBus().AddHandler<AuditHandler>("order.#x");

        act.Should().Throw<ArgumentException>().WithMessage("*'order.#x'*");
    }

    public sealed class ProbeLog
    {
        public Recorder<Guid> Used { get; } = new();

        public Recorder<Guid> Disposed { get; } = new();

        public Recorder<string> Types { get; } = new();
    }

    public sealed class ScopedProbe(ProbeLog log) : IDisposable
    {
        public Guid Id { get; } = Guid.NewGuid();

        public void Use() => log.Used.Add(Id);

        public void Dispose() => log.Disposed.Add(Id);
    }

    public sealed class ScopedOrderHandler(ScopedProbe probe) : IEventHandler<OrderPlaced>
    {
        public async ValueTask HandleAsync(Event<OrderPlaced> @event, CancellationToken cancellationToken)
        {
            await Task.Yield();
            probe.Use();
        }
    }

    public sealed class AuditHandler(ProbeLog log) : IEventHandler
    {
        public ValueTask HandleAsync(Event @event, CancellationToken cancellationToken)
        {
            log.Types.Add(@event.Type);
            return default;
        }
    }
}
