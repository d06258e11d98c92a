using EventBus.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace EventBus.Tests.Dispatch;

public class OverflowTests
{
    private sealed class BlockedSubscriber
    {
        public required BusFixture Fixture { get; init; }

        public required RecordingDeadLetterStore DeadLetters { get; init; }

        public Recorder<string> Handled { get; } = new();

        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ValueTask Publish(string subject) => Fixture.Bus.PublishAsync(new Event("job.run") { Subject = subject });
    }

    /// <summary>A subscription of capacity 2 whose handler is stuck on its first event.</summary>
    private static async Task<BlockedSubscriber> StartBlockedAsync(OverflowPolicy policy)
    {
        var store = new RecordingDeadLetterStore();
        var fx = await BusFixture.StartAsync(services: s => s.AddSingleton<IDeadLetterStore>(store));
        var subscriber = new BlockedSubscriber { Fixture = fx, DeadLetters = store };
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        fx.Bus.Subscribe("job.run", async (e, _) =>
        {
            if (e.Subject == "blocker")
            {
                started.SetResult();
                await subscriber.Gate.Task;
            }

            subscriber.Handled.Add(e.Subject!);
        }, new SubscriptionOptions { Name = "jobs", Capacity = 2, OverflowPolicy = policy });

        await subscriber.Publish("blocker");
        await started.Task;
        return subscriber;
    }

    [Fact]
    public async Task Wait_FullQueue_PublisherWaitsUntilRoomThenNothingIsLost()
    {
        var s = await StartBlockedAsync(OverflowPolicy.Wait);
        await using var _ = s.Fixture;
        await s.Publish("e1");
        await s.Publish("e2");

        var third = s.Publish("e3").AsTask();

        third.IsCompleted.Should().BeFalse("the queue is full, so the publisher is held back");
        s.Fixture.Bus.Subscriptions.Single().QueuedCount.Should().Be(2);
        s.Gate.SetResult();
        await third.WaitAsync(TimeSpan.FromSeconds(30));
        await s.Handled.WaitForAsync(4);
        s.Handled.Items.Should().Equal("blocker", "e1", "e2", "e3");
        s.DeadLetters.Entries.Count.Should().Be(0);
    }

    [Fact]
    public async Task Wait_PublisherCancelled_ThrowsAndEventIsNotQueued()
    {
        var s = await StartBlockedAsync(OverflowPolicy.Wait);
        await using var _ = s.Fixture;
        await s.Publish("e1");
        await s.Publish("e2");
        using var cts = new CancellationTokenSource();

        var third = s.Fixture.Bus.PublishAsync(new Event("job.run") { Subject = "e3" }, cts.Token).AsTask();
        await cts.CancelAsync();

        await third.Invoking(t => t).Should().ThrowAsync<OperationCanceledException>();
        s.Gate.SetResult();
        await s.Handled.WaitForAsync(3);
        s.Handled.Items.Should().Equal("blocker", "e1", "e2");
    }

    [Fact]
    public async Task DropOldest_FullQueue_OldestIsDeadLetteredAndNewestKept()
    {
        var s = await StartBlockedAsync(OverflowPolicy.DropOldest);
        await using var _ = s.Fixture;

        await s.Publish("e1");
        await s.Publish("e2");
        await s.Publish("e3");

        var dropped = s.DeadLetters.Entries.Items.Should().ContainSingle().Subject;
        dropped.Event.Subject.Should().Be("e1");
        dropped.Reason.Should().Be(DeadLetterReason.Overflow);
        dropped.SubscriptionName.Should().Be("jobs");
        s.Gate.SetResult();
        await s.Handled.WaitForAsync(3);
        s.Handled.Items.Should().Equal("blocker", "e2", "e3");
    }

    [Fact]
    public async Task DropNewest_FullQueue_IncomingIsDeadLetteredAndQueueKept()
    {
        var s = await StartBlockedAsync(OverflowPolicy.DropNewest);
        await using var _ = s.Fixture;

        await s.Publish("e1");
        await s.Publish("e2");
        await s.Publish("e3");

        var dropped = s.DeadLetters.Entries.Items.Should().ContainSingle().Subject;
        dropped.Event.Subject.Should().Be("e3");
        dropped.Reason.Should().Be(DeadLetterReason.Overflow);
        s.Gate.SetResult();
        await s.Handled.WaitForAsync(3);
        s.Handled.Items.Should().Equal("blocker", "e1", "e2");
    }

    [Fact]
    public async Task Fail_FullQueue_PublisherGetsTypedException()
    {
        var s = await StartBlockedAsync(OverflowPolicy.Fail);
        await using var _ = s.Fixture;
        await s.Publish("e1");
        await s.Publish("e2");

        var act = async () => await s.Publish("e3");

        var thrown = await act.Should().ThrowAsync<SubscriptionOverflowException>().WithMessage("*'jobs'*full*");
        thrown.Which.SubscriptionName.Should().Be("jobs");
        thrown.Which.Capacity.Should().Be(2);
        s.Gate.SetResult();
    }

    [Fact]
    public async Task Capacity_CountsAllPriorityLanesTogether()
    {
        var s = await StartBlockedAsync(OverflowPolicy.Fail);
        await using var _ = s.Fixture;
        await s.Fixture.Bus.PublishAsync(new Event("job.run") { Subject = "low", Priority = EventPriority.Low });
        await s.Fixture.Bus.PublishAsync(new Event("job.run") { Subject = "high", Priority = EventPriority.High });

        var act = async () => await s.Fixture.Bus.PublishAsync(new Event("job.run") { Subject = "normal" });

        await act.Should().ThrowAsync<SubscriptionOverflowException>();
        s.Gate.SetResult();
    }
}
