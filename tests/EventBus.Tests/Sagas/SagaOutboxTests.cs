namespace EventBus.Tests.Sagas;

public sealed class SagaOutboxTests
{
    [Fact]
    public async Task Publish_AfterSave_IsClearedFromTheOutbox()
    {
        await using var harness = await SagaHarness.StartAsync();

        await harness.PublishAsync(new FlowStarted("f1"));
        await harness.Events.WaitForAsync<FlowAcknowledged>();
        var cleared = await harness.Store.WaitForAsync("f1", i => i.Outbox.Count == 0);

        cleared.Version.Should().Be(2);
        harness.Events.Of<FlowAcknowledged>().Should().ContainSingle();
    }

    [Fact]
    public async Task Publish_RejectedByTheBus_StaysInOutboxAndGoesOutWithTheNextChange()
    {
        await using var harness = await SagaHarness.StartAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var received = new EventLog();
        harness.Bus.Subscribe<FlowAcknowledged>(async e =>
        {
            received.Add(e);
            await release.Task;
        }, new SubscriptionOptions { Capacity = 1, OverflowPolicy = OverflowPolicy.Fail });

        // f1's acknowledgement blocks the subscriber, f2's fills its queue, f3's is rejected.
        await harness.PublishAsync(new FlowStarted("f1"));
        await received.WaitForAsync<FlowAcknowledged>();
        // f2's acknowledgement is accepted (queued behind f1's) but not handled: it stays in f2's outbox until it is.
        await harness.PublishAndWaitAsync(new FlowStarted("f2"));
        (await harness.Store.GetAsync("f2"))!.Outbox.Should().ContainSingle("an outbox event leaves only on its outcome, not when queued");
        await harness.PublishAsync(new FlowStarted("f3"));
        await harness.Logs.WaitForAsync("SagaPublishFailed", m => m.Contains("flow.acknowledged"));
        var stuck = (await harness.Store.GetAsync("f3"))!;

        release.SetResult();
        await received.WaitForAsync<FlowAcknowledged>(count: 2);
        await harness.PublishAsync(new Incremented("f3"));
        await received.WaitForAsync<FlowAcknowledged>(a => a.FlowId == "f3");
        var after = await harness.Store.WaitForAsync("f3", i => i.State.Count == 1 && i.Outbox.Count == 0);

        stuck.Status.Should().Be(SagaStatus.Active);
        var kept = stuck.Outbox.Should().ContainSingle().Subject;
        kept.Type.Should().Be("flow.acknowledged");
        received.Of<FlowAcknowledged>().Single(a => a.Payload.FlowId == "f3").Id.Should().Be(kept.Id);
        after.Outbox.Should().BeEmpty();
        (await harness.Fixture.DeadLettersAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task Outbox_LeftInTheStore_IsPublishedWhenTheSagaStarts()
    {
        var store = new ObservableSagaStore();
        var leftOver = new Event<FlowAcknowledged>("flow.acknowledged", new FlowAcknowledged("f1"))
        {
            Id = "ack-left-over",
            CorrelationId = "corr-1",
            CausationId = "start-1",
        };
        await store.SaveAsync(new SagaInstance<FlowState>
        {
            SagaName = "FlowSaga",
            CorrelationKey = "f1",
            Status = SagaStatus.Active,
            CurrentStep = "a",
            Outbox = [leftOver],
            State = new FlowState { FlowId = "f1" },
        }, 0, TestContext.Current.CancellationToken);

        await using var harness = await SagaHarness.StartAsync(store: store);
        await harness.Runner.Recovery;
        await harness.Events.WaitForAsync<FlowAcknowledged>();
        var cleared = await store.WaitForAsync("f1", i => i.Outbox.Count == 0);

        var published = harness.Events.Of<FlowAcknowledged>().Should().ContainSingle().Subject;
        published.Id.Should().Be("ack-left-over");
        published.CorrelationId.Should().Be("corr-1");
        published.CausationId.Should().Be("start-1");
        cleared.Version.Should().Be(2);
    }

    [Fact]
    public async Task Outbox_ThatCannotBeCleared_IsLoggedAndDoesNotFailTheEvent()
    {
        await using var harness = await SagaHarness.StartAsync(options: o => o.MaxConflictRetries = 1);
        harness.Store.ConflictWhen = i => i.Status == SagaStatus.Active && i.Outbox.Count == 0;

        await harness.PublishAsync(new FlowStarted("f1"), id: "start-1");
        await harness.Logs.WaitForAsync("SagaOutboxNotCleared", m => m.Contains("f1"));

        var instance = await harness.Store.GetAsync("f1");
        instance!.Status.Should().Be(SagaStatus.Active);
        instance.Outbox.Should().ContainSingle().Which.Type.Should().Be("flow.acknowledged");
        await harness.Events.WaitForAsync<FlowAcknowledged>();
        harness.Events.Of<FlowAcknowledged>().Should().ContainSingle();
        (await harness.Fixture.DeadLettersAsync()).Should().BeEmpty();
    }
}
