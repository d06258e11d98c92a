using EventBus.EventStore.Outbox;
using EventBus.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

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
    public async Task Checkpoint_StaysBeforeAnEventWhoseHandlerIsStillRunning_AndMovesOnItsOutcome()
    {
        var checkpoints = new RecordingCheckpointStore();
        using var host = BuildHost(checkpoints: checkpoints);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Services.GetRequiredService<IEventBus>().Subscribe<OrderPlaced>(async e =>
        {
            if (e.Payload.OrderId == "2")
            {
                started.TrySetResult();
                await gate.Task;
            }
        }, new SubscriptionOptions { Name = "slow", MaxConcurrency = 1 });
        await host.StartAsync();
        var streams = host.Services.GetRequiredService<IEventStreams>();

        await streams.AppendAsync("order-1", ExpectedVersion.NoStream, [new OrderPlaced("1"), new OrderPlaced("2"), new OrderPlaced("3")]);
        await started.Task;
        await checkpoints.Saves.WaitForAsync(1);

        checkpoints.Saves.Items.Should().Equal([1L], "event 2 is only queued-and-running, not finished: a crash now must publish it again");
        gate.SetResult();
        await checkpoints.WaitForPositionAsync(3);
        await host.StopAsync();
    }

    [Fact]
    public async Task PoisonEvent_MalformedJson_IsDeadLetteredNamingItAndLaterEventsStillFlow()
    {
        using var host = BuildHost();
        var store = host.Services.GetRequiredService<IEventStore>();
        var received = new Recorder<string>();
        host.Services.GetRequiredService<IEventBus>().Subscribe<OrderPlaced>(e => received.Add(e.Payload.OrderId));
        await host.StartAsync();

        await store.AppendAsync("order-1", ExpectedVersion.NoStream, [Raw(new OrderPlaced("before"))]);
        await store.AppendAsync("order-1", ExpectedVersion.Any, [new EventData("poison-1", "order.placed", "{ not json"u8.ToArray())]);
        await store.AppendAsync("order-1", ExpectedVersion.Any, [Raw(new OrderPlaced("after"))]);
        await received.WaitForAsync(2);
        await host.StopAsync();

        received.Items.Should().Equal("before", "after");
        var deadLetter = await SingleDeadLetterAsync(host);
        deadLetter.Reason.Should().Be(DeadLetterReason.DeserializationFailed);
        deadLetter.SubscriptionName.Should().Be("$outbox");
        deadLetter.Event.Id.Should().Be("poison-1");
        deadLetter.Event.Headers.Should().Contain("eventbus-stream", "order-1").And.Contain("eventbus-stream-version", "2").And.Contain("eventbus-position", "2");
        deadLetter.ExceptionMessage.Should().Contain("order-1").And.Contain("position 2");
    }

    [Fact]
    public async Task PoisonEvent_UnknownTypeFromANewerRelease_IsDeadLetteredNamingItAndLaterEventsStillFlow()
    {
        using var host = BuildHost();
        var store = host.Services.GetRequiredService<IEventStore>();
        var received = new Recorder<string>();
        host.Services.GetRequiredService<IEventBus>().Subscribe<OrderPlaced>(e => received.Add(e.Payload.OrderId));
        await host.StartAsync();

        await store.AppendAsync("order-9", ExpectedVersion.NoStream, [new EventData("from-v2", "order.refund-requested", "{}"u8.ToArray())]);
        await store.AppendAsync("order-9", ExpectedVersion.Any, [Raw(new OrderPlaced("after"))]);
        await received.WaitForAsync(1);
        await host.StopAsync();

        received.Items.Should().Equal("after");
        var deadLetter = await SingleDeadLetterAsync(host);
        deadLetter.Reason.Should().Be(DeadLetterReason.UnknownEventType);
        deadLetter.Event.Type.Should().Be("order.refund-requested");
        deadLetter.Event.Payload.Should().Be("{}");
        deadLetter.ExceptionMessage.Should().Contain("order.refund-requested").And.Contain("order-9");
    }

    private static async Task<DeadLetter> SingleDeadLetterAsync(IHost host)
    {
        var entries = new List<DeadLetter>();
        await foreach (var entry in host.Services.GetRequiredService<IDeadLetterStore>().QueryAsync(DeadLetterQuery.All))
        {
            entries.Add(entry);
        }

        return entries.Should().ContainSingle().Subject;
    }

    private static EventData Raw(OrderPlaced placed) =>
        new(Guid.NewGuid().ToString(), "order.placed", System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(placed, System.Text.Json.JsonSerializerOptions.Web));

    /// <summary>An in-memory checkpoint store that lets a test await the outbox's saves.</summary>
    private sealed class RecordingCheckpointStore : ICheckpointStore
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _positions = new();

        public Recorder<long> Saves { get; } = new();

        public async Task WaitForPositionAsync(long position)
        {
            for (var seen = 1; ; seen++)
            {
                await Saves.WaitForAsync(seen);
                if (Saves.Items[seen - 1] >= position)
                {
                    return;
                }
            }
        }

        public ValueTask<long?> LoadAsync(string name, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(_positions.TryGetValue(name, out var p) ? p : (long?)null);

        public ValueTask SaveAsync(string name, long position, CancellationToken cancellationToken = default)
        {
            _positions[name] = position;
            if (name == OutboxPublisher.CheckpointName)
            {
                Saves.Add(position);
            }

            return default;
        }

        public ValueTask DeleteAsync(string name, CancellationToken cancellationToken = default)
        {
            _positions.TryRemove(name, out _);
            return default;
        }
    }
}
