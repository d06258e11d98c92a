using EventBus.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EventBus.Tests.Dispatch;

/// <summary>What the dispatch path guarantees when subscriptions are full, user code throws, keys are slow, the bus
/// stops under a handler that ignores cancellation, or a handler re-enters the bus (issue 11, findings 1–7).</summary>
public class DispatchGuaranteeTests
{
    private static readonly TimeSpan Safety = TimeSpan.FromSeconds(30);

    // Finding 1 ------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task PublishAsync_OneOfThreeSubscriptionsFullWithFail_NoSubscriptionReceivesTheEvent()
    {
        var store = new RecordingDeadLetterStore();
        await using var fx = await BusFixture.StartAsync(services: s => s.AddSingleton<IDeadLetterStore>(store));
        var a = new Recorder<string>();
        var c = new Recorder<string>();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        fx.Bus.Subscribe("job.run", e => a.Add(e.Subject!), new SubscriptionOptions { Name = "a" });
        fx.Bus.Subscribe("job.run", async e =>
        {
            started.TrySetResult();
            await gate.Task;
        }, new SubscriptionOptions { Name = "b", Capacity = 1, OverflowPolicy = OverflowPolicy.Fail });
        fx.Bus.Subscribe("job.run", e => c.Add(e.Subject!), new SubscriptionOptions { Name = "c" });
        await fx.Bus.PublishAsync(new Event("job.run") { Subject = "first" });
        await started.Task;
        await fx.Bus.PublishAsync(new Event("job.run") { Subject = "second" });

        var third = async () => await fx.Bus.PublishAsync(new Event("job.run") { Subject = "third" });

        await third.Should().ThrowAsync<SubscriptionOverflowException>().Where(x => x.SubscriptionName == "b");
        gate.SetResult();
        await fx.Lifetime.StopAsync();
        a.Items.Should().Equal("first", "second");
        c.Items.Should().Equal("first", "second");
        store.Entries.Items.Should().BeEmpty();
    }

    [Fact]
    public async Task PublishAsync_CancelledWhileWaitingForAFullSubscription_NoSubscriptionReceivesTheEvent()
    {
        await using var fx = await BusFixture.StartAsync();
        var a = new Recorder<string>();
        var b = new Recorder<string>();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        fx.Bus.Subscribe("job.run", e => a.Add(e.Subject!), new SubscriptionOptions { Name = "a" });
        fx.Bus.Subscribe("job.run", async e =>
        {
            started.TrySetResult();
            await gate.Task;
            b.Add(e.Subject!);
        }, new SubscriptionOptions { Name = "b", Capacity = 1, OverflowPolicy = OverflowPolicy.Wait });
        await fx.Bus.PublishAsync(new Event("job.run") { Subject = "first" });
        await started.Task;
        await fx.Bus.PublishAsync(new Event("job.run") { Subject = "second" });
        using var cancel = new CancellationTokenSource();

        var third = fx.Bus.PublishAsync(new Event("job.run") { Subject = "third" }, cancel.Token).AsTask();
        third.IsCompleted.Should().BeFalse("subscription b is full and waits for room");
        await cancel.CancelAsync();

        await third.Invoking(t => t).Should().ThrowAsync<OperationCanceledException>();
        gate.SetResult();
        await fx.Lifetime.StopAsync();
        a.Items.Should().Equal("first", "second");
        b.Items.Should().Equal("first", "second");
    }

    // Finding 2 ------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Worker_OrderingKeySelectorThrows_EventDeadLetteredAndTheOthersHandled()
    {
        var store = new RecordingDeadLetterStore();
        await using var fx = await BusFixture.StartAsync(services: s => s.AddSingleton<IDeadLetterStore>(store));
        var handled = new Recorder<string>();
        fx.Bus.Subscribe("job.run", e => handled.Add(e.Subject!), new SubscriptionOptions
        {
            Name = "keyed",
            MaxConcurrency = 2,
            OrderingKey = e => e.Subject!.ToUpperInvariant(),
        });

        foreach (var subject in new[] { "a", "b", null, "c", "d", "e" })
        {
            await fx.Bus.PublishAsync(new Event("job.run") { Subject = subject });
        }

        await handled.WaitForAsync(5);
        await store.WaitForAsync(1);
        await fx.Lifetime.StopAsync();

        fx.Lifetime.State.Should().Be(EventBusState.Stopped);
        handled.Items.Should().BeEquivalentTo(["a", "b", "c", "d", "e"]);
        var entry = store.Entries.Items.Should().ContainSingle().Subject;
        entry.Reason.Should().Be(DeadLetterReason.OrderingKeyFailed);
        entry.Event.Subject.Should().BeNull();
        entry.ExceptionType.Should().Be(typeof(NullReferenceException).FullName);
    }

    [Fact]
    public async Task Worker_DuplicateCheckThrows_EventDeadLetteredDeliveryFailedAndWorkerGoesOn()
    {
        var store = new RecordingDeadLetterStore();
        var inbox = new CancellingInbox("poison");
        await using var fx = await BusFixture.StartAsync(
            configure: b => b.AddIdempotency(),
            services: s => s.AddSingleton<IDeadLetterStore>(store).AddSingleton<IInbox>(inbox));
        var handled = new Recorder<string>();
        fx.Bus.Subscribe("job.run", e => handled.Add(e.Subject!), new SubscriptionOptions { Name = "guarded" });

        await fx.Bus.PublishAsync(new Event("job.run") { Subject = "before" });
        await fx.Bus.PublishAsync(new Event("job.run") { Id = "poison", Subject = "poison" });
        await fx.Bus.PublishAsync(new Event("job.run") { Subject = "after" });
        await handled.WaitForAsync(2);
        await fx.Lifetime.StopAsync();

        handled.Items.Should().Equal("before", "after");
        var entry = store.Entries.Items.Should().ContainSingle().Subject;
        entry.Reason.Should().Be(DeadLetterReason.DeliveryFailed);
        entry.Event.Id.Should().Be("poison");
        fx.Lifetime.State.Should().Be(EventBusState.Stopped);
    }

    // Finding 3 ------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Capacity_WithMaxConcurrency_CountsEventsParkedBehindABusyKey()
    {
        await using var fx = await BusFixture.StartAsync();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new Recorder<string>();
        var subscription = fx.Bus.Subscribe("job.run", async e =>
        {
            started.Add(e.Subject!);
            await gate.Task;
        }, new SubscriptionOptions { Name = "keyed", Capacity = 1, MaxConcurrency = 2, OverflowPolicy = OverflowPolicy.Fail });

        await fx.Bus.PublishAsync(new Event("job.run") { Subject = "k" });
        await started.WaitForAsync(1);
        await fx.Bus.PublishAsync(new Event("job.run") { Subject = "k" });
        var overflow = async () => await fx.Bus.PublishAsync(new Event("job.run") { Subject = "other" });

        await overflow.Should().ThrowAsync<SubscriptionOverflowException>();
        subscription.QueuedCount.Should().Be(1, "the second event waits behind its busy key and holds the one slot");
        ((EventBus.Subscriptions.Subscription)subscription).InFlightCount.Should().Be(1);
        gate.SetResult();
    }

    [Fact]
    public async Task Capacity_WithMaxConcurrency_AcceptsAtMostCapacityPlusRunningEvents()
    {
        await using var fx = await BusFixture.StartAsync();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new Recorder<string>();
        var subscription = fx.Bus.Subscribe("job.run", async e =>
        {
            started.Add(e.Subject!);
            await gate.Task;
        }, new SubscriptionOptions { Name = "keyed", Capacity = 1, MaxConcurrency = 2, OverflowPolicy = OverflowPolicy.Fail });

        var accepted = 0;
        for (var i = 0; i < 20; i++)
        {
            try
            {
                await fx.Bus.PublishAsync(new Event("job.run") { Subject = $"k{i}" });
                accepted++;
                if (accepted <= 2)
                {
                    await started.WaitForAsync(accepted);
                }
            }
            catch (SubscriptionOverflowException)
            {
                break;
            }
        }

        accepted.Should().Be(3, "two events run and one waits: Capacity 1 plus MaxConcurrency 2");
        subscription.QueuedCount.Should().Be(1);
        ((EventBus.Subscriptions.Subscription)subscription).InFlightCount.Should().Be(2);
        gate.SetResult();
    }

    // Finding 4 ------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Worker_WithMaxConcurrency_OneBlockedKeyDoesNotStopAnotherKey()
    {
        await using var fx = await BusFixture.StartAsync();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handled = new Recorder<string>();
        fx.Bus.Subscribe("job.run", async e =>
        {
            if (e.Subject == "slow")
            {
                await gate.Task;
            }

            handled.Add($"{e.Subject}:{e.Payload}");
        }, new SubscriptionOptions { Name = "keyed", MaxConcurrency = 2 });

        for (var i = 0; i < 10; i++)
        {
            await fx.Bus.PublishAsync(new Event("job.run", i) { Subject = "slow" });
        }

        await fx.Bus.PublishAsync(new Event("job.run", 0) { Subject = "fast" });

        await handled.WaitForAsync(1);
        handled.Items.Should().Equal("fast:0");
        gate.SetResult();
        await handled.WaitForAsync(11);
        handled.Items.Skip(1).Should().Equal(Enumerable.Range(0, 10).Select(i => $"slow:{i}"), "one key is handled in order");
    }

    // Finding 5 ------------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task StopAsync_HandlerIgnoresCancellation_RunningEventAbandonedAndQueuedEventsNotDrainedBeforeStopReturns(int maxConcurrency)
    {
        var clock = new TestClock();
        var store = new RecordingDeadLetterStore();
        var logs = new LogRecorder();
        await using var fx = await BusFixture.StartAsync(
            options: o => o.DrainTimeout = TimeSpan.FromSeconds(1),
            services: s => s.AddSingleton<TimeProvider>(clock).AddSingleton<IDeadLetterStore>(store).AddLogging(l => l.AddProvider(logs)));
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handled = new Recorder<int>();
        fx.Bus.Subscribe("job.run", async (e, _) =>
        {
            started.TrySetResult();
            await release.Task; // ignores the cancellation token on purpose
            handled.Add((int)e.Payload!);
        }, new SubscriptionOptions
        {
            Name = "stubborn",
            MaxConcurrency = maxConcurrency,
            OrderingKey = _ => "one-key",
            ConfigureResilience = r => r.Enabled = false,
        });
        for (var i = 0; i < 10; i++)
        {
            await fx.Bus.PublishAsync(new Event("job.run", i));
        }

        await started.Task;

        var stopping = fx.Lifetime.StopAsync().AsTask();
        await clock.AdvanceWhenWaitingAsync(TimeSpan.FromSeconds(1)); // drain timeout
        await clock.AdvanceWhenWaitingAsync(TimeSpan.FromSeconds(5)); // grace after cancelling
        await stopping.WaitAsync(Safety);

        fx.Lifetime.State.Should().Be(EventBusState.Stopped);
        var entries = store.Entries.Items;
        entries.Should().HaveCount(10, "every accepted event has an outcome when stop returns");
        entries.Should().ContainSingle(d => d.Reason == DeadLetterReason.Abandoned).Which.Event.Payload.Should().Be(0);
        entries.Where(d => d.Reason == DeadLetterReason.NotDrained).Select(d => (int)d.Event.Payload!)
            .Should().BeEquivalentTo(Enumerable.Range(1, 9));
        logs.Named("HandlerAbandoned").Should().ContainSingle().Which.Message.Should().Contain(entries.Single(d => d.Reason == DeadLetterReason.Abandoned).Event.Id);

        release.SetResult();
        await logs.WaitForAsync("AbandonedHandlerReturned");
        store.Entries.Items.Should().HaveCount(10, "the abandoned handler's late return records no second outcome");
        handled.Items.Should().Equal(0);
    }

    // Finding 6 ------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task PublishAsync_FromHandlerIntoItsOwnFullWaitSubscription_FailsFastInsteadOfDeadlocking()
    {
        await using var fx = await BusFixture.StartAsync();
        var outcome = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        fx.Bus.Subscribe("job.run", async (e, ct) =>
        {
            if (e.Subject != "start")
            {
                return;
            }

            try
            {
                await fx.Bus.PublishAsync(new Event("job.run") { Subject = "fits" }, ct);
                await fx.Bus.PublishAsync(new Event("job.run") { Subject = "does not fit" }, ct);
                outcome.SetResult(null);
            }
            catch (Exception ex)
            {
                outcome.SetResult(ex);
            }
        }, new SubscriptionOptions { Name = "self", Capacity = 1, OverflowPolicy = OverflowPolicy.Wait });

        await fx.Bus.PublishAsync(new Event("job.run") { Subject = "start" });

        var thrown = await outcome.Task.WaitAsync(Safety);
        thrown.Should().BeOfType<SubscriptionOverflowException>()
            .Which.Message.Should().Contain("'self'").And.Contain("own handler");
    }

    [Fact]
    public async Task DisposeAsync_FromInsideItsOwnHandler_CompletesWithoutWaitingForItself()
    {
        await using var fx = await BusFixture.StartAsync();
        var disposed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        IEventSubscription? self = null;
        var subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        self = fx.Bus.Subscribe("job.run", async (_, _) =>
        {
            await subscribed.Task;
            await self!.DisposeAsync();
            disposed.SetResult();
        }, new SubscriptionOptions { Name = "self" });
        subscribed.SetResult();

        await fx.Bus.PublishAsync(new Event("job.run"));

        await disposed.Task.WaitAsync(Safety);
        fx.Bus.Subscriptions.Should().BeEmpty();
    }

    // Finding 7 ------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task DropOldest_DropsTheOldestEventAcrossPriorityLanes()
    {
        var store = new RecordingDeadLetterStore();
        await using var fx = await BusFixture.StartAsync(services: s => s.AddSingleton<IDeadLetterStore>(store));
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handled = new Recorder<string>();
        fx.Bus.Subscribe("job.run", async e =>
        {
            if (e.Subject == "blocker")
            {
                started.SetResult();
                await gate.Task;
            }

            handled.Add(e.Subject!);
        }, new SubscriptionOptions { Name = "lossy", Capacity = 2, OverflowPolicy = OverflowPolicy.DropOldest });
        await fx.Bus.PublishAsync(new Event("job.run") { Subject = "blocker" });
        await started.Task;

        await fx.Bus.PublishAsync(new Event("job.run") { Subject = "old-high", Priority = EventPriority.High });
        await fx.Bus.PublishAsync(new Event("job.run") { Subject = "newer-low", Priority = EventPriority.Low });
        await fx.Bus.PublishAsync(new Event("job.run") { Subject = "newest-normal" });

        var dropped = store.Entries.Items.Should().ContainSingle().Subject;
        dropped.Event.Subject.Should().Be("old-high", "it is the oldest queued event, whatever its lane");
        dropped.Reason.Should().Be(DeadLetterReason.Overflow);
        gate.SetResult();
        await handled.WaitForAsync(3);
        handled.Items.Should().BeEquivalentTo(["blocker", "newer-low", "newest-normal"]);
    }

    /// <summary>An inbox whose check of one event id throws a cancellation nobody asked for.</summary>
    private sealed class CancellingInbox(string poisonId) : IInbox
    {
        private readonly InMemoryInboxStandIn _inner = new();

        public ValueTask<bool> ContainsAsync(string subscriptionName, string eventId, IdempotencyWindow window, CancellationToken cancellationToken = default) =>
            eventId == poisonId ? throw new OperationCanceledException("inbox connection reset") : _inner.ContainsAsync(subscriptionName, eventId);

        public ValueTask<bool> TryAddAsync(string subscriptionName, string eventId, IdempotencyWindow window, CancellationToken cancellationToken = default) =>
            _inner.TryAddAsync(subscriptionName, eventId);

        public ValueTask<bool> RemoveAsync(string subscriptionName, string eventId, CancellationToken cancellationToken = default) => ValueTask.FromResult(false);
    }

    private sealed class InMemoryInboxStandIn
    {
        private readonly HashSet<(string, string)> _seen = [];

        public ValueTask<bool> ContainsAsync(string subscriptionName, string eventId)
        {
            lock (_seen)
            {
                return ValueTask.FromResult(_seen.Contains((subscriptionName, eventId)));
            }
        }

        public ValueTask<bool> TryAddAsync(string subscriptionName, string eventId)
        {
            lock (_seen)
            {
                return ValueTask.FromResult(_seen.Add((subscriptionName, eventId)));
            }
        }
    }
}
