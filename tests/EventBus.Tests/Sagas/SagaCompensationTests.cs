using EventBus.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EventBus.Tests.Sagas;

public sealed class SagaCompensationTests
{
    [Fact]
    public async Task Fail_AfterThreeCompletedSteps_CompensatesInReverseOrderAndEndsCompensated()
    {
        await using var harness = await SagaHarness.StartAsync();
        await RunStepsAsync(harness, "f1");

        await harness.PublishAsync(new FlowFailed("f1", "carrier refused"), id: "fail");
        var ended = await harness.Store.WaitForAsync("f1", i => i.IsFinished);
        await harness.Events.WaitForAsync<UndoRequested>(count: 3);
        await harness.Events.WaitForAsync<FlowCompensated>();

        ended.Status.Should().Be(SagaStatus.Compensated);
        ended.CompensationReason.Should().Be("carrier refused");
        ended.CompensatedSteps.Should().Equal("c", "b", "a");
        ended.History.Where(h => h.Kind == SagaHistoryKind.StepCompensated).Select(h => h.Step).Should().Equal("c", "b", "a");
        ended.History.Select(h => h.Kind).Should().EndWith(
            [SagaHistoryKind.Handled, SagaHistoryKind.CompensationStarted, SagaHistoryKind.StepCompensated,
             SagaHistoryKind.StepCompensated, SagaHistoryKind.StepCompensated, SagaHistoryKind.Compensated]);
        harness.Events.Of<UndoRequested>().Select(e => e.Payload.Step).Should().Equal("c", "b", "a");
        harness.Events.Of<UndoRequested>().Should().OnlyContain(e => e.CausationId == "fail");
        var cancelled = harness.Events.Of<FlowCompensated>().Should().ContainSingle().Subject;
        cancelled.Payload.Reason.Should().Be("carrier refused");
    }

    [Fact]
    public async Task Fail_WithNoCompletedStep_EndsCompensatedRightAway()
    {
        await using var harness = await SagaHarness.StartAsync();
        // Until each handler's outcome: a timeout is armed, and forgotten, just after the save, which the store shows
        // first; the start's arming must not come after the failure's forgetting.
        await harness.PublishAndWaitAsync(new FlowStarted("f1"));
        await harness.Store.WaitForAsync("f1", i => i.Status == SagaStatus.Active);

        await harness.PublishAndWaitAsync(new FlowFailed("f1", "declined"));
        var ended = await harness.Store.WaitForAsync("f1", i => i.IsFinished);
        await harness.Events.WaitForAsync<FlowCompensated>();

        ended.Status.Should().Be(SagaStatus.Compensated);
        ended.CompensatedSteps.Should().BeEmpty();
        ended.Timeouts.Should().BeEmpty();
        harness.Runner.ArmedTimeoutCount.Should().Be(0);
        harness.Events.Of<UndoRequested>().Should().BeEmpty();
    }

    [Fact]
    public async Task AwaitedCompensations_RunOneAtATime_EachAfterTheLaterOneIsConfirmed()
    {
        await using var harness = await SagaHarness.StartAsync(new FlowSaga(awaitUndoConfirmation: true));
        await RunStepsAsync(harness, "f1");

        await harness.PublishAsync(new FlowFailed("f1", "out of stock"));
        var waitingC = await harness.Store.WaitForAsync("f1", i => i.AwaitingCompensation == "c");
        await harness.Events.WaitForAsync<UndoRequested>(u => u.Step == "c");
        harness.Events.Of<UndoRequested>().Should().ContainSingle();

        await harness.PublishAsync(new Undone("f1", "c"));
        var waitingB = await harness.Store.WaitForAsync("f1", i => i.AwaitingCompensation == "b");
        await harness.PublishAsync(new Undone("f1", "b"));
        await harness.Store.WaitForAsync("f1", i => i.AwaitingCompensation == "a");
        await harness.PublishAsync(new Undone("f1", "a"));
        var ended = await harness.Store.WaitForAsync("f1", i => i.IsFinished);

        waitingC.Status.Should().Be(SagaStatus.Compensating);
        waitingC.CompensatedSteps.Should().BeEmpty();
        waitingB.CompensatedSteps.Should().Equal("c");
        ended.Status.Should().Be(SagaStatus.Compensated);
        ended.CompensatedSteps.Should().Equal("c", "b", "a");
        await harness.Events.WaitForAsync<UndoRequested>(count: 3);
        harness.Events.Of<UndoRequested>().Select(e => e.Payload.Step).Should().Equal("c", "b", "a");
    }

    [Fact]
    public async Task Compensation_WhenConfirmationOrFailureIsRepeated_RunsEachStepOnce()
    {
        await using var harness = await SagaHarness.StartAsync(new FlowSaga(awaitUndoConfirmation: true));
        await RunStepsAsync(harness, "f1");

        await harness.PublishAsync(new FlowFailed("f1", "out of stock"), id: "fail-1");
        await harness.Store.WaitForAsync("f1", i => i.AwaitingCompensation == "c");
        await harness.PublishAsync(new FlowFailed("f1", "out of stock again"), id: "fail-2");
        await harness.PublishAsync(new Undone("f1", "c"), id: "undo-c-1");
        await harness.Store.WaitForAsync("f1", i => i.AwaitingCompensation == "b");
        await harness.PublishAsync(new Undone("f1", "c"), id: "undo-c-2");
        await harness.Store.WaitForAsync("f1", i => i.ProcessedEventIds.Contains("undo-c-2"));
        await harness.Store.WaitForAsync("f1", i => i.ProcessedEventIds.Contains("fail-2"));

        var state = await harness.Store.GetAsync("f1");
        state!.AwaitingCompensation.Should().Be("b");
        state.CompensatedSteps.Should().Equal("c");
        state.CompensationReason.Should().Be("out of stock");
        await harness.Events.WaitForAsync<UndoRequested>(count: 2);
        harness.Events.Of<UndoRequested>().Select(e => e.Payload.Step).Should().Equal("c", "b");
    }

    [Fact]
    public async Task Bug_14_CompleteStep_WithoutDeclaredCompensation_IsRecordedAndTheSagaCompletes()
    {
        var store = new ObservableSagaStore();
        var deadLetters = new RecordingDeadLetterStore();
        await using var fixture = await StartUndeclaredStepSagaAsync(store, deadLetters);

        // One step at a time: each event type has its own subscription, so only waiting orders them.
        await fixture.Bus.PublishAsync(new FlowStarted("f1"), cancellationToken: TestContext.Current.CancellationToken);
        await store.WaitForAsync<FlowState>(nameof(UndeclaredStepSaga), "f1", i => i.CompletedSteps.Contains("payment"));
        await fixture.Bus.PublishAsync(new ADone("f1"), cancellationToken: TestContext.Current.CancellationToken);
        await store.WaitForAsync<FlowState>(nameof(UndeclaredStepSaga), "f1", i => i.CompletedSteps.Contains("shipping"));
        await fixture.Bus.PublishAsync(new FlowFinished("f1"), cancellationToken: TestContext.Current.CancellationToken);
        var ended = await store.WaitForAsync<FlowState>(nameof(UndeclaredStepSaga), "f1", i => i.IsFinished);

        ended.Status.Should().Be(SagaStatus.Completed);
        ended.CompletedSteps.Should().Equal("payment", "shipping");
        (await fixture.DeadLettersAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task Bug_14_Fail_AfterAStepWithoutCompensation_SkipsItAndCompensatesTheOthers()
    {
        var store = new ObservableSagaStore();
        var deadLetters = new RecordingDeadLetterStore();
        var events = new EventLog();
        await using var fixture = await StartUndeclaredStepSagaAsync(store, deadLetters, events);

        // One step at a time: each event type has its own subscription, so only waiting orders them.
        await fixture.Bus.PublishAsync(new FlowStarted("f1"), cancellationToken: TestContext.Current.CancellationToken);
        await store.WaitForAsync<FlowState>(nameof(UndeclaredStepSaga), "f1", i => i.CompletedSteps.Contains("payment"));
        await fixture.Bus.PublishAsync(new ADone("f1"), cancellationToken: TestContext.Current.CancellationToken);
        await store.WaitForAsync<FlowState>(nameof(UndeclaredStepSaga), "f1", i => i.CompletedSteps.Contains("shipping"));
        await fixture.Bus.PublishAsync(new FlowFailed("f1", "carrier refused"), cancellationToken: TestContext.Current.CancellationToken);
        var ended = await store.WaitForAsync<FlowState>(nameof(UndeclaredStepSaga), "f1", i => i.IsFinished);
        await events.WaitForAsync<UndoRequested>();

        ended.Status.Should().Be(SagaStatus.Compensated);
        ended.CompletedSteps.Should().Equal("payment", "shipping");
        ended.CompensatedSteps.Should().Equal("payment");
        events.Of<UndoRequested>().Select(e => e.Payload.Step).Should().Equal("payment");
        (await fixture.DeadLettersAsync()).Should().BeEmpty();
    }

    private static Task<TestSupport.BusFixture> StartUndeclaredStepSagaAsync(
        ObservableSagaStore store, RecordingDeadLetterStore deadLetters, EventLog? events = null) =>
        TestSupport.BusFixture.StartAsync(
            b => b.AddSaga<UndeclaredStepSaga, FlowState>().AddHandler<SagaHarness.FlowEventRecorder>("flow.*"),
            options: o => o.Resilience.Enabled = false,
            services: s =>
            {
                s.AddSingleton<ISagaStore>(store);
                s.AddSingleton<IDeadLetterStore>(deadLetters);
                s.AddSingleton(events ?? new EventLog());
            });

    private static async Task RunStepsAsync(SagaHarness harness, string id)
    {
        await harness.PublishAsync(new FlowStarted(id));
        await harness.PublishAsync(new ADone(id));
        await harness.PublishAsync(new BDone(id));
        await harness.PublishAsync(new CDone(id));
        await harness.Store.WaitForAsync(id, i => i.CurrentStep == "done");
    }

    /// <summary>Completes "payment" (which has a compensation) and "shipping" (which has none).</summary>
    public sealed class UndeclaredStepSaga : Saga<FlowState>
    {
        public override void Configure(SagaBuilder<FlowState> saga)
        {
            saga.StartedBy<FlowStarted>((ctx, e) =>
            {
                ctx.State = ctx.State with { FlowId = e.Payload.FlowId };
                ctx.CompleteStep("payment");
            }).CorrelateBy(p => p.FlowId);
            saga.Handles<ADone>((ctx, _) => ctx.CompleteStep("shipping")).CorrelateBy(p => p.FlowId);
            saga.Handles<FlowFinished>((ctx, _) => ctx.Complete()).CorrelateBy(p => p.FlowId);
            saga.Handles<FlowFailed>((ctx, e) => ctx.Fail(e.Payload.Reason)).CorrelateBy(p => p.FlowId);
            saga.Compensate("payment", ctx => ctx.Publish(new UndoRequested(ctx.State.FlowId!, "payment")));
        }
    }
}
