using EventBus.EventStore;
using EventBus.EventStore.Checkpoints;
using EventBus.EventStore.Snapshots;
using EventBus.Tests.EventStore.Projections;
using EventBus.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EventBus.Tests.EventStore.DependencyInjection;

public sealed class EventStoreBuilderExtensionsTests
{
    [Fact]
    public async Task AddEventStore_Defaults_AreTheEmbeddedInMemoryStores()
    {
        await using var provider = StoreFixture.Build();

        provider.GetRequiredService<IEventStore>().Should().BeOfType<InMemoryEventStore>();
        provider.GetRequiredService<ISnapshotStore>().Should().BeOfType<InMemorySnapshotStore>();
        provider.GetRequiredService<ICheckpointStore>().Should().BeOfType<InMemoryCheckpointStore>();
        provider.GetRequiredService<IEventStreams>().Should().NotBeNull();
    }

    [Fact]
    public void AddEventStore_CalledTwice_RegistersEverythingOnce()
    {
        var services = new ServiceCollection();

        services.AddEventBus().AddEventStore().AddEventStore(o => o.PublishToBus = false);

        services.Count(d => d.ServiceType == typeof(IEventStore)).Should().Be(1);
        services.Count(d => d.ServiceType == typeof(IEventStreams)).Should().Be(1);
        services.Where(d => d.ServiceType == typeof(IHostedService)).Select(d => d.ImplementationType!.Name)
            .Should().BeEquivalentTo("EventBusHostedService", "OutboxService", "ProjectionDaemon");
    }

    [Fact]
    public async Task AddEventStore_StoreRegisteredBefore_IsKept()
    {
        var mine = new InMemoryEventStore(TimeProvider.System);

        await using var provider = StoreFixture.Build(services: s => s.AddSingleton<IEventStore>(mine));

        provider.GetRequiredService<IEventStore>().Should().BeSameAs(mine);
    }

    [Fact]
    public void AddEventType_WithoutAttribute_IsRejectedWithAHint()
    {
        var builder = new ServiceCollection().AddEventBus().AddEventStore();

        var act = () => builder.AddEventType<NotAttributed>();

        act.Should().Throw<InvalidOperationException>().WithMessage("*NotAttributed*AddEventType*");
    }

    [Theory]
    [InlineData("$outbox", "#")]
    [InlineData("", "#")]
    [InlineData("orders", "order..x")]
    public void AddProjection_InvalidNameOrPattern_IsRejected(string name, string pattern)
    {
        var builder = new ServiceCollection().AddEventBus().AddEventStore();

        var act = () => builder.AddProjection<OrderSummaryProjection>(name, o => o.EventTypes = pattern);

        act.Should().Throw<ArgumentException>();
    }

    [Fact]
    public async Task AddProjection_SameNameTwice_FailsWhenProjectionsAreResolved()
    {
        await using var provider = StoreFixture.Build(b => b.AddProjection<OrderSummaryProjection>("orders").AddProjection<OrderSummaryProjection>("orders"));

        var act = () => provider.GetRequiredService<IProjectionManager>();

        act.Should().Throw<InvalidOperationException>().WithMessage("*'orders'*");
    }

    [Fact]
    public void AddAggregate_InvalidCategoryOrPolicy_IsRejected()
    {
        var builder = new ServiceCollection().AddEventBus().AddEventStore();

        var reserved = () => builder.AddAggregate("$cart", AccountState.Initial, AccountState.Evolve);
        var negative = () => builder.AddAggregate("cart", AccountState.Initial, AccountState.Evolve, o => o.SnapshotEvery = -1);

        reserved.Should().Throw<ArgumentException>();
        negative.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public async Task AddEventStore_InvalidOptions_FailOnFirstUseNamingTheSetting()
    {
        await using var provider = StoreFixture.Build(options: o =>
        {
            o.OutboxBatchSize = 0;
            o.OutboxRetryDelay = TimeSpan.FromSeconds(-1);
        });

        var act = () => provider.GetRequiredService<IEventStreams>();

        act.Should().Throw<Microsoft.Extensions.Options.OptionsValidationException>()
            .Which.Message.Should().Contain("OutboxBatchSize").And.Contain("OutboxRetryDelay");
    }
}
