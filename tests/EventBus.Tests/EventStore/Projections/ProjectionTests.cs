using EventBus.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace EventBus.Tests.EventStore.Projections;

public sealed class ProjectionTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    private static ServiceProvider Build(ProjectionMode mode, string eventTypes = "#", Action<IServiceCollection>? services = null) =>
        StoreFixture.Build(
            b => b.AddProjection<OrderSummaryProjection>("orders", o =>
            {
                o.Mode = mode;
                o.EventTypes = eventTypes;
                o.BatchSize = 3;
            }),
            o => o.PublishToBus = false,
            services);

    [Fact]
    public async Task Inline_AppendReturns_ReadModelAlreadyUpdated()
    {
        await using var provider = Build(ProjectionMode.Inline);
        var streams = provider.GetRequiredService<IEventStreams>();
        var view = provider.GetRequiredService<OrderSummaryProjection>();

        await streams.AppendAsync("order-1", ExpectedVersion.NoStream, [new OrderPlaced("1", 20m)]);
        view.Orders["1"].Should().Be(new OrderSummary("1", 20m, false));
        var result = await streams.AppendAsync("order-1", ExpectedVersion.Exact(1), [new OrderShipped("1")]);

        view.Orders["1"].Shipped.Should().BeTrue();
        (await provider.GetRequiredService<IProjectionManager>().GetPositionAsync("orders")).Should().Be(result.Position);
        (await provider.GetRequiredService<ICheckpointStore>().LoadAsync("orders")).Should().Be(result.Position);
    }

    [Fact]
    public async Task Inline_ConcurrentAppends_AppliedOnceEachInGlobalOrder()
    {
        await using var provider = Build(ProjectionMode.Inline);
        var streams = provider.GetRequiredService<IEventStreams>();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 20; i++)
            {
                await streams.AppendAsync($"order-{w}-{i}", ExpectedVersion.NoStream, [new OrderPlaced($"{w}-{i}"), new OrderShipped($"{w}-{i}")]);
            }
        })));

        var view = provider.GetRequiredService<OrderSummaryProjection>();
        view.Positions.Should().Equal(Enumerable.Range(1, 320).Select(p => (long)p));
        view.Orders.Should().HaveCount(160).And.OnlyContain(o => o.Value.Shipped);
    }

    [Fact]
    public async Task Async_UnderAHost_WaitForPositionGivesReadYourWrites()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddEventBus().AddEventStore(o => o.PublishToBus = false)
            .AddEventType<OrderPlaced>()
            .AddProjection<OrderSummaryProjection>("orders");
        using var host = builder.Build();
        await host.StartAsync();
        var streams = host.Services.GetRequiredService<IEventStreams>();
        var projections = host.Services.GetRequiredService<IProjectionManager>();

        var result = await streams.AppendAsync("order-5", ExpectedVersion.NoStream, [new OrderPlaced("5", 55m)]);
        await projections.WaitForPositionAsync("orders", result.Position, Generous);

        host.Services.GetRequiredService<OrderSummaryProjection>().Orders["5"].Amount.Should().Be(55m);
        await host.StopAsync();
    }

    [Fact]
    public async Task Async_ProjectionFails_IsLoggedAndRetriedFromItsCheckpoint()
    {
        var logs = new ListLoggerProvider();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddLogging(b => b.AddProvider(logs));
        builder.Services.AddEventBus().AddEventStore(o => o.PublishToBus = false)
            .AddEventType<OrderPlaced>()
            .AddProjection<OrderSummaryProjection>("orders", o => o.RetryDelay = TimeSpan.Zero);
        using var host = builder.Build();
        var view = host.Services.GetRequiredService<OrderSummaryProjection>();
        var failures = 0;
        view.FailWhen = e => e.Position == 2 && Interlocked.Increment(ref failures) == 1;
        var streams = host.Services.GetRequiredService<IEventStreams>();
        var result = await streams.AppendAsync("order-1", ExpectedVersion.NoStream, [new OrderPlaced("1"), new OrderPlaced("2"), new OrderPlaced("3")]);

        await host.StartAsync();
        await host.Services.GetRequiredService<IProjectionManager>().WaitForPositionAsync("orders", result.Position, Generous);

        view.Positions.Should().Equal(1, 2, 3);
        failures.Should().Be(2);
        logs.Entries.Should().Contain(e => e.Id.Id == 220 && e.Message.Contains("orders") && e.Message.Contains("position 2"));
        await host.StopAsync();
    }

    [Fact]
    public async Task WaitForPositionAsync_NotReachedInTime_ThrowsTimeoutNamingTheProjection()
    {
        var time = new FakeTimeProvider();
        await using var provider = Build(ProjectionMode.Async, services: s => s.AddSingleton<TimeProvider>(time));
        var result = await provider.GetRequiredService<IEventStreams>().AppendAsync("order-1", ExpectedVersion.Any, [new OrderPlaced("1")]);

        // No host runs the background projection here, so nothing moves it forward.
        var wait = provider.GetRequiredService<IProjectionManager>().WaitForPositionAsync("orders", result.Position, TimeSpan.FromSeconds(10)).AsTask();
        wait.IsCompleted.Should().BeFalse();
        time.Advance(TimeSpan.FromSeconds(10));

        (await wait.Awaiting(w => w).Should().ThrowAsync<TimeoutException>()).Which.Message.Should().Contain("'orders'").And.Contain("position 1");
    }

    [Fact]
    public async Task WaitForPositionAsync_CompletesWhenAnotherFlowCatchesUp()
    {
        await using var provider = Build(ProjectionMode.Async);
        var result = await provider.GetRequiredService<IEventStreams>().AppendAsync("order-1", ExpectedVersion.Any, [new OrderPlaced("1")]);
        var projections = provider.GetRequiredService<IProjectionManager>();

        var wait = projections.WaitForPositionAsync("orders", result.Position, Generous).AsTask();
        wait.IsCompleted.Should().BeFalse();
        await projections.CatchUpAsync("orders");

        await wait;
        provider.GetRequiredService<OrderSummaryProjection>().Orders.Should().ContainKey("1");
    }

    [Fact]
    public async Task RebuildAsync_FromZero_EqualsTheLiveProjection()
    {
        await using var provider = Build(ProjectionMode.Inline);
        var streams = provider.GetRequiredService<IEventStreams>();
        var view = provider.GetRequiredService<OrderSummaryProjection>();
        var random = new Random(4);
        for (var i = 0; i < 200; i++)
        {
            var id = random.Next(40).ToString();
            object @event = random.Next(3) == 0 ? new OrderShipped(id) : new OrderPlaced(id, random.Next(1, 500));
            await streams.AppendAsync($"order-{id}", ExpectedVersion.Any, [@event]);
        }

        var live = view.Orders;
        var livePositions = view.Positions;
        await provider.GetRequiredService<IProjectionManager>().RebuildAsync("orders");

        view.Orders.Should().BeEquivalentTo(live);
        view.Positions.Should().Equal(livePositions);
        live.Should().NotBeEmpty();
    }

    [Fact]
    public async Task EventTypes_Filter_OnlyMatchingEventsReachTheProjection()
    {
        await using var provider = Build(ProjectionMode.Inline, eventTypes: "order.shipped");
        var streams = provider.GetRequiredService<IEventStreams>();

        await streams.AppendAsync("order-1", ExpectedVersion.Any, [new OrderPlaced("1"), new Deposited(1m), new OrderShipped("1")]);

        provider.GetRequiredService<OrderSummaryProjection>().Positions.Should().Equal(3);
        (await provider.GetRequiredService<IProjectionManager>().GetPositionAsync("orders")).Should().Be(3);
    }

    [Fact]
    public async Task CatchUpAsync_AfterRestart_ResumesFromTheCheckpoint()
    {
        var store = new ServiceCollection().AddEventBus().AddEventStore().Services.BuildServiceProvider();
        var shared = (Action<IServiceCollection>)(s => s
            .AddSingleton(store.GetRequiredService<IEventStore>())
            .AddSingleton(store.GetRequiredService<ICheckpointStore>()));
        await using (var first = Build(ProjectionMode.Async, services: shared))
        {
            await first.GetRequiredService<IEventStreams>().AppendAsync("order-1", ExpectedVersion.Any, [new OrderPlaced("1"), new OrderPlaced("2")]);
            await first.GetRequiredService<IProjectionManager>().CatchUpAsync("orders");
        }

        await using var second = Build(ProjectionMode.Async, services: shared);
        await second.GetRequiredService<IEventStreams>().AppendAsync("order-3", ExpectedVersion.Any, [new OrderPlaced("3")]);
        await second.GetRequiredService<IProjectionManager>().CatchUpAsync("orders");

        second.GetRequiredService<OrderSummaryProjection>().Positions.Should().Equal(3);
        await store.DisposeAsync();
    }

    [Fact]
    public async Task Inline_ProjectionFails_AppendReportsCommittedEventsAndNextAppendCatchesUp()
    {
        await using var provider = Build(ProjectionMode.Inline);
        var streams = provider.GetRequiredService<IEventStreams>();
        var view = provider.GetRequiredService<OrderSummaryProjection>();
        view.FailWhen = e => e.Event.Payload is OrderPlaced { OrderId: "poison" };

        await streams.AppendAsync("order-ok", ExpectedVersion.Any, [new OrderPlaced("ok")]);
        var act = () => streams.AppendAsync("order-poison", ExpectedVersion.Any, [new OrderPlaced("poison")]).AsTask();
        var ex = (await act.Should().ThrowAsync<InvalidOperationException>()).Which;
        view.FailWhen = null;
        await streams.AppendAsync("order-after", ExpectedVersion.Any, [new OrderPlaced("after")]);

        ex.Message.Should().Contain("'order-poison'").And.Contain("'orders'").And.Contain("were appended");
        ex.InnerException!.Message.Should().Be("poison at 2");
        view.Positions.Should().Equal(1, 2, 3);
    }

    [Fact]
    public async Task Manager_UnknownProjectionName_IsRejected()
    {
        await using var provider = Build(ProjectionMode.Inline);

        var act = () => provider.GetRequiredService<IProjectionManager>().CatchUpAsync("nope").AsTask();

        (await act.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("'nope'").And.Contain("'orders'");
    }
}
