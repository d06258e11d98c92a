using EventBus.EventStore.Outbox;
using EventBus.EventStore.Serialization;
using EventBus.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EventBus.Tests.EventStore.Outbox;

public sealed class OutboxTests
{
    private static IHost BuildHost(IEventStore? store = null, ICheckpointStore? checkpoints = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        if (store is not null)
        {
            builder.Services.AddSingleton(store);
        }

        if (checkpoints is not null)
        {
            builder.Services.AddSingleton(checkpoints);
        }

        builder.Services.AddEventBus().AddEventStore().AddEventType<OrderPlaced>().AddEventType<OrderShipped>();
        return builder.Build();
    }

    [Fact]
    public async Task AppendedEvents_ArePublishedOnTheBus_WithTheirIdsInPerStreamOrder()
    {
        using var host = BuildHost();
        var bus = host.Services.GetRequiredService<IEventBus>();
        var received = new Recorder<Event>();
        bus.Subscribe("order.*", e => received.Add(e));
        await host.StartAsync();
        var streams = host.Services.GetRequiredService<IEventStreams>();

        await Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 10; i++)
            {
                await streams.AppendAsync($"order-{w}", ExpectedVersion.Any, [new OrderPlaced($"{w}-{i}"), new OrderShipped($"{w}-{i}")]);
            }
        })));
        await received.WaitForAsync(80);

        var stored = await streams.ReadAllAsync().ToListAsync();
        received.Items.Select(e => e.Id).Should().Equal(stored.Select(s => s.Event.Id));
        foreach (var stream in received.Items.GroupBy(e => e.Subject))
        {
            stream.Select(e => e.Id).Should().Equal(stored.Where(s => s.StreamId == stream.Key).OrderBy(s => s.StreamVersion).Select(s => s.Event.Id));
        }

        received.Items[0].Payload.Should().BeOfType<OrderPlaced>();
        await host.StopAsync();
    }

    [Fact]
    public async Task AppendedButUnpublished_IsPublishedAfterARestart_AndNothingTwice()
    {
        var sharedServices = new ServiceCollection().AddEventBus().AddEventStore().Services.BuildServiceProvider();
        var store = sharedServices.GetRequiredService<IEventStore>();
        var checkpoints = sharedServices.GetRequiredService<ICheckpointStore>();

        // Process 1 appends and "crashes" before its outbox ran (no host, so no background services).
        await using (var crashed = StoreFixture.Build(services: s => s.AddSingleton(store).AddSingleton(checkpoints)))
        {
            await crashed.GetRequiredService<IEventStreams>().AppendAsync("order-1", ExpectedVersion.NoStream, [new OrderPlaced("1"), new OrderShipped("1")]);
        }

        var afterRestart = new Recorder<Event>();
        using (var restarted = BuildHost(store, checkpoints))
        {
            restarted.Services.GetRequiredService<IEventBus>().Subscribe("order.*", e => afterRestart.Add(e));
            await restarted.StartAsync();
            await afterRestart.WaitForAsync(2);
            await restarted.StopAsync();
        }

        (await checkpoints.LoadAsync(OutboxPublisher.CheckpointName)).Should().Be(2);
        var next = await store.AppendAsync("order-2", ExpectedVersion.NoStream, [Raw(new OrderPlaced("2"))]);
        var third = new Recorder<Event>();
        using (var again = BuildHost(store, checkpoints))
        {
            again.Services.GetRequiredService<IEventBus>().Subscribe("order.*", e => third.Add(e));
            await again.StartAsync();
            await third.WaitForAsync(1);
            await again.StopAsync();
        }

        afterRestart.Items.Select(e => e.Type).Should().Equal("order.placed", "order.shipped");
        third.Items.Should().ContainSingle().Which.Payload.Should().Be(new OrderPlaced("2"));
        next.Position.Should().Be(3);
        await sharedServices.DisposeAsync();
    }

    [Fact]
    public async Task PublishPendingAsync_BusFailsMidway_CheckpointKeepsProgressAndRetryRepublishesAtLeastOnce()
    {
        await using var provider = StoreFixture.Build(options: o => o.PublishToBus = false);
        var streams = provider.GetRequiredService<IEventStreams>();
        await streams.AppendAsync("order-1", ExpectedVersion.Any, [new OrderPlaced("1"), new OrderPlaced("2"), new OrderPlaced("3")]);
        var bus = new FlakyBus(failOnceAt: 2);
        var checkpoints = provider.GetRequiredService<ICheckpointStore>();
        var outbox = new OutboxPublisher(
            provider.GetRequiredService<IEventStore>(),
            provider.GetRequiredService<EventSerializer>(),
            checkpoints,
            bus,
            Options.Create(new EventStoreOptions()),
            NullLogger<OutboxPublisher>.Instance);

        var first = () => outbox.PublishPendingAsync(CancellationToken.None).AsTask();
        await first.Should().ThrowAsync<InvalidOperationException>();
        var afterFailure = await checkpoints.LoadAsync(OutboxPublisher.CheckpointName);
        var reached = await outbox.PublishPendingAsync(CancellationToken.None);

        afterFailure.Should().Be(1);
        reached.Should().Be(3);
        bus.Published.Select(e => ((OrderPlaced)e.Payload!).OrderId).Should().Equal("1", "2", "2", "3");
        (await checkpoints.LoadAsync(OutboxPublisher.CheckpointName)).Should().Be(3);
    }

    private static EventData Raw(OrderPlaced placed) =>
        new(Guid.NewGuid().ToString(), "order.placed", System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(placed, System.Text.Json.JsonSerializerOptions.Web));

    /// <summary>A bus that accepts the n-th event and then fails, once, as a crash after hand-over would.</summary>
    private sealed class FlakyBus(int failOnceAt) : IEventBus
    {
        private bool _failed;

        public List<Event> Published { get; } = [];

        public IReadOnlyList<IEventSubscription> Subscriptions => [];

        public ValueTask PublishAsync(Event @event, CancellationToken cancellationToken = default)
        {
            Published.Add(@event);
            if (!_failed && Published.Count == failOnceAt)
            {
                _failed = true;
                throw new InvalidOperationException("connection lost after hand-over");
            }

            return default;
        }

        public ValueTask PublishAsync<T>(T payload, PublishOptions? options = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public IEventSubscription Subscribe<T>(Func<Event<T>, CancellationToken, ValueTask> handler, SubscriptionOptions? options = null) => throw new NotSupportedException();

        public IEventSubscription Subscribe(string pattern, Func<Event, CancellationToken, ValueTask> handler, SubscriptionOptions? options = null) => throw new NotSupportedException();
    }
}
