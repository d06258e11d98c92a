using EventBus.EventStore.Leases;
using EventBus.EventStore.Outbox;
using EventBus.Tests.EventStore.Projections;
using EventBus.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace EventBus.Tests.EventStore.Leases;

/// <summary>The outbox and the background projections run only while this process holds their processor lease:
/// they wait while another instance holds it, stop when it is lost (a renewal says so, or a fenced checkpoint save is
/// refused), resume from the stored checkpoint when it comes back, and release it on a graceful stop. The default
/// lease store grants every lease to this process, so a single instance behaves as before.</summary>
public sealed class ProcessorLeasesTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task AddEventStore_Default_GrantsEveryLeaseToThisProcess_AndRunsTheOutboxAndProjections()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddEventBus().AddEventStore().AddEventType<OrderPlaced>().AddProjection<OrderSummaryProjection>("orders");
        using var host = builder.Build();
        var published = new Recorder<string>();
        host.Services.GetRequiredService<IEventBus>().Subscribe("order.placed", e => published.Add(e.Id));
        var leases = host.Services.GetRequiredService<IProcessorLeaseStore>();
        await host.StartAsync();

        var result = await host.Services.GetRequiredService<IEventStreams>().AppendAsync("order-1", ExpectedVersion.NoStream, [new OrderPlaced("1", 10m)]);
        await host.Services.GetRequiredService<IProjectionManager>().WaitForPositionAsync("orders", result.Position, Generous);
        await published.WaitForAsync(1, Generous);

        host.Services.GetRequiredService<OrderSummaryProjection>().Positions.Should().Equal(1);
        (await leases.TryAcquireAsync("orders")).Should().NotBeNull("the default store grants a lease even while it is in use");
        leases.RenewInterval.Should().Be(Timeout.InfiniteTimeSpan);
        await host.StopAsync();
        (await host.Services.GetRequiredService<ICheckpointStore>().LoadAsync(OutboxPublisher.CheckpointName)).Should().Be(result.Position);
    }

    [Fact]
    public async Task Run_LeaseHeldElsewhere_FollowsAndTriesAgain_ThenWorksOnceGranted_AndReleasesOnStop()
    {
        var store = new ScriptedLeaseStore();
        var runner = new ProcessorLeaseRunner(store, TimeProvider.System, NullLogger<ProcessorLeaseRunner>.Instance);
        using var stop = new CancellationTokenSource();
        var followed = 0;
        var working = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = runner.RunAsync(
            "orders",
            async (lease, token) =>
            {
                working.TrySetResult(lease.FencingToken);
                await Task.Delay(Timeout.InfiniteTimeSpan, token);
            },
            _ =>
            {
                Interlocked.Increment(ref followed);
                return Task.CompletedTask;
            },
            stop.Token);

        await store.Attempts.WaitForAsync(3, Generous);
        working.Task.IsCompleted.Should().BeFalse("nobody granted the lease yet");
        var lease = new ScriptedLease(7);
        store.Then(lease);

        (await working.Task.WaitAsync(Generous)).Should().Be(7);
        Volatile.Read(ref followed).Should().BeGreaterThanOrEqualTo(3);
        lease.Released.IsCompleted.Should().BeFalse();
        await stop.CancelAsync();
        await run.WaitAsync(Generous);
        await lease.Released.WaitAsync(Generous);
    }

    [Fact]
    public async Task Run_RenewalSaysTheLeaseIsLost_CancelsTheWorkWithoutReleasing_AndAcquiresAgain()
    {
        var lost = new ScriptedLease(1, renews: false);
        var next = new ScriptedLease(2);
        var store = new ScriptedLeaseStore(TimeSpan.FromMilliseconds(1)).Then(lost).Then(next);
        var runner = new ProcessorLeaseRunner(store, TimeProvider.System, NullLogger<ProcessorLeaseRunner>.Instance);
        using var stop = new CancellationTokenSource();
        var started = new Recorder<long>();
        var terms = new Recorder<(long Token, bool Cancelled)>();
        var run = runner.RunAsync(
            "$outbox",
            async (lease, token) =>
            {
                started.Add(lease.FencingToken);
                try
                {
                    await Task.Delay(Timeout.InfiniteTimeSpan, token);
                }
                finally
                {
                    terms.Add((lease.FencingToken, token.IsCancellationRequested));
                }
            },
            whileWaiting: null,
            stop.Token);

        await started.WaitForAsync(2, Generous);
        await stop.CancelAsync();
        await run.WaitAsync(Generous);

        terms.Items.Should().Equal((1L, true), (2L, true));
        lost.Released.IsCompleted.Should().BeFalse("a lost lease belongs to someone else now");
        next.Released.IsCompleted.Should().BeTrue();
    }

    [Fact]
    public async Task Outbox_CheckpointSaveRefused_StopsWithoutRecording_AndTheNextHolderPublishesAgainFromTheCheckpoint()
    {
        var checkpoints = new ServiceCollection().AddEventBus().AddEventStore().Services.BuildServiceProvider().GetRequiredService<ICheckpointStore>();
        var taken = new ScriptedLease(1);
        var next = new ScriptedLease(2, checkpoints);
        var store = new ScriptedLeaseStore().Then(taken).Then(next);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton(checkpoints).AddSingleton<IProcessorLeaseStore>(store);
        builder.Services.AddEventBus().AddEventStore().AddEventType<OrderPlaced>();
        using var host = builder.Build();
        var published = new Recorder<string>();
        host.Services.GetRequiredService<IEventBus>().Subscribe("order.placed", e => published.Add(e.Id));
        var result = await host.Services.GetRequiredService<IEventStreams>().AppendAsync("order-1", ExpectedVersion.NoStream, [new OrderPlaced("1", 10m)]);

        await host.StartAsync();
        await next.Saves.WaitForAsync(1, Generous);
        await host.StopAsync();

        published.Items.Should().HaveCount(2).And.OnlyContain(id => id == published.Items[0], "the event was published under both holdings: at least once");
        next.Saves.Items.Should().Equal(result.Position);
        (await checkpoints.LoadAsync(OutboxPublisher.CheckpointName)).Should().Be(result.Position);
        taken.Released.IsCompleted.Should().BeFalse();
    }

    [Fact]
    public async Task Projection_CheckpointSaveRefused_StopsWithoutRecording_AndTheNextTermResumesFromTheStoredCheckpoint()
    {
        var checkpoints = new ServiceCollection().AddEventBus().AddEventStore().Services.BuildServiceProvider().GetRequiredService<ICheckpointStore>();
        await checkpoints.SaveAsync("orders", 1);
        var taken = new ScriptedLease(1);
        var next = new ScriptedLease(2, checkpoints);
        var store = new ScriptedLeaseStore().Then(taken).Then(next);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton(checkpoints).AddSingleton<IProcessorLeaseStore>(store);
        builder.Services.AddEventBus().AddEventStore(o => o.PublishToBus = false).AddEventType<OrderPlaced>()
            .AddProjection<OrderSummaryProjection>("orders", o => o.BatchSize = 1);
        using var host = builder.Build();
        var result = await host.Services.GetRequiredService<IEventStreams>().AppendAsync("order-1", ExpectedVersion.NoStream, [new OrderPlaced("1"), new OrderPlaced("2"), new OrderPlaced("3")]);

        await host.StartAsync();
        await host.Services.GetRequiredService<IProjectionManager>().WaitForPositionAsync("orders", result.Position, Generous);
        await host.StopAsync();

        // Position 1 was already recorded; position 2 was applied under the lost holding and applied again after.
        host.Services.GetRequiredService<OrderSummaryProjection>().Positions.Should().Equal(2, 2, 3);
        (await checkpoints.LoadAsync("orders")).Should().Be(result.Position);
        next.Released.IsCompleted.Should().BeTrue();
    }

    [Fact]
    public async Task Projection_LeaseHeldByAnotherInstance_WaitForPositionFollowsItsCheckpoint()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton<IProcessorLeaseStore>(new ScriptedLeaseStore());
        builder.Services.AddEventBus().AddEventStore(o => o.PublishToBus = false).AddEventType<OrderPlaced>()
            .AddProjection<OrderSummaryProjection>("orders");
        using var host = builder.Build();
        var result = await host.Services.GetRequiredService<IEventStreams>().AppendAsync("order-1", ExpectedVersion.NoStream, [new OrderPlaced("1"), new OrderPlaced("2")]);
        await host.StartAsync();
        var projections = host.Services.GetRequiredService<IProjectionManager>();
        var waiting = projections.WaitForPositionAsync("orders", result.Position, Generous).AsTask();

        // The other instance records its progress.
        await host.Services.GetRequiredService<ICheckpointStore>().SaveAsync("orders", result.Position);

        await waiting;
        host.Services.GetRequiredService<OrderSummaryProjection>().Positions.Should().BeEmpty("this instance never held the lease");
        await host.StopAsync();
    }
}
