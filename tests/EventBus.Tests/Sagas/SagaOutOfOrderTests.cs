namespace EventBus.Tests.Sagas;

public sealed class SagaOutOfOrderTests
{
    [Fact]
    public async Task EventBeforeStart_ParkPolicy_IsParkedAndAppliedOnceStarted()
    {
        await using var harness = await SagaHarness.StartAsync();

        await harness.PublishAsync(new ADone("f1"), id: "a-early");
        var pending = await harness.Store.WaitForAsync("f1", i => i.Status == SagaStatus.Pending);
        await harness.PublishAsync(new FlowStarted("f1"), id: "start");
        var started = await harness.Store.WaitForAsync("f1", i => i.Status == SagaStatus.Active);

        pending.ParkedEvents.Should().ContainSingle().Which.Id.Should().Be("a-early");
        pending.History.Should().ContainSingle().Which.Kind.Should().Be(SagaHistoryKind.Parked);
        started.ParkedEvents.Should().BeEmpty();
        started.CurrentStep.Should().Be("b");
        started.State.Done.Should().Equal("a");
        started.History.Select(h => (h.Kind, h.EventId)).Should().Equal(
            (SagaHistoryKind.Parked, "a-early"), (SagaHistoryKind.Started, "start"), (SagaHistoryKind.Handled, "a-early"));
    }

    [Fact]
    public async Task StepsInReverseOrder_ParkPolicy_AreAllAppliedInStepOrder()
    {
        await using var harness = await SagaHarness.StartAsync();
        await harness.PublishAsync(new FlowStarted("f1"));
        await harness.Store.WaitForAsync("f1", i => i.Status == SagaStatus.Active);

        await harness.PublishAsync(new FlowFinished("f1"), id: "finish");
        await harness.Store.WaitForAsync("f1", i => i.ParkedEvents.Count == 1);
        await harness.PublishAsync(new CDone("f1"), id: "c");
        await harness.Store.WaitForAsync("f1", i => i.ParkedEvents.Count == 2);
        await harness.PublishAsync(new BDone("f1"), id: "b");
        await harness.Store.WaitForAsync("f1", i => i.ParkedEvents.Count == 3);
        await harness.PublishAsync(new ADone("f1"), id: "a");
        var done = await harness.Store.WaitForAsync("f1", i => i.IsFinished);

        done.Status.Should().Be(SagaStatus.Completed);
        done.State.Done.Should().Equal("a", "b", "c");
        done.History.Where(h => h.Kind == SagaHistoryKind.Handled).Select(h => h.EventId).Should().Equal("a", "b", "c", "finish");
    }

    [Fact]
    public async Task EventOutOfOrder_IgnorePolicy_IsDroppedWithLogLine()
    {
        await using var harness = await SagaHarness.StartAsync(new FlowSaga(stepPolicy: OutOfOrderPolicy.Ignore));
        await harness.PublishAsync(new FlowStarted("f1"));
        var started = await harness.Store.WaitForAsync("f1", i => i.Status == SagaStatus.Active && i.Outbox.Count == 0);

        await harness.PublishAsync(new CDone("f1"), id: "c-early");
        await harness.Logs.WaitForAsync("SagaEventIgnored", m => m.Contains("c-early") && m.Contains("out of order"));

        var after = await harness.Store.GetAsync("f1");
        after!.Version.Should().Be(started.Version);
        after.ParkedEvents.Should().BeEmpty();
        (await harness.Fixture.DeadLettersAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task ParkedEvents_WhenSagaFinishesFirst_AreDroppedAndRecorded()
    {
        await using var harness = await SagaHarness.StartAsync();
        await harness.PublishAsync(new FlowStarted("f1"));
        await harness.Store.WaitForAsync("f1", i => i.Status == SagaStatus.Active);

        await harness.PublishAsync(new CDone("f1"), id: "c-early");
        await harness.Store.WaitForAsync("f1", i => i.ParkedEvents.Count == 1);
        await harness.PublishAsync(new FlowFailed("f1", "cancelled by customer"));
        var ended = await harness.Store.WaitForAsync("f1", i => i.IsFinished);

        ended.Status.Should().Be(SagaStatus.Compensated);
        ended.ParkedEvents.Should().BeEmpty();
        ended.History.Should().Contain(h => h.Kind == SagaHistoryKind.Dropped && h.EventId == "c-early");
        await harness.Logs.WaitForAsync("SagaParkedEventDropped", m => m.Contains("c-early"));
    }

    [Fact]
    public async Task EventForFinishedSaga_IsIgnoredWithLogLine()
    {
        await using var harness = await SagaHarness.StartAsync();
        await harness.PublishAsync(new FlowStarted("f1"));
        await harness.Store.WaitForAsync("f1", i => i.Status == SagaStatus.Active);
        await harness.PublishAsync(new FlowFailed("f1", "cancelled"));
        var ended = await harness.Store.WaitForAsync("f1", i => i.IsFinished && i.Outbox.Count == 0);

        await harness.PublishAsync(new Incremented("f1"), id: "late");
        await harness.Logs.WaitForAsync("SagaEventIgnored", m => m.Contains("late") && m.Contains("Compensated"));

        (await harness.Store.GetAsync("f1"))!.Version.Should().Be(ended.Version);
    }

    [Fact]
    public async Task ParkedEvents_BeyondLimit_AreIgnoredWithLogLine()
    {
        await using var harness = await SagaHarness.StartAsync(options: o => o.MaxParkedEvents = 1);

        await harness.PublishAsync(new ADone("f1"), id: "a1");
        await harness.Store.WaitForAsync("f1", i => i.ParkedEvents.Count == 1);
        await harness.PublishAsync(new ADone("f1"), id: "a2");
        await harness.Logs.WaitForAsync("SagaEventIgnored", m => m.Contains("a2") && m.Contains("already parked"));

        (await harness.Store.GetAsync("f1"))!.ParkedEvents.Select(e => e.Id).Should().Equal("a1");
    }
}
