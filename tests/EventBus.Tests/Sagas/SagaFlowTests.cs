using Microsoft.Extensions.DependencyInjection;
using EventBus.Tests.TestSupport;

namespace EventBus.Tests.Sagas;

public sealed class SagaFlowTests
{
    [Fact]
    public async Task StartEvent_NewKey_CreatesActiveInstanceWithStateStepAndHistory()
    {
        await using var harness = await SagaHarness.StartAsync();

        await harness.PublishAsync(new FlowStarted("f1"), id: "start-1");
        var instance = await harness.Store.WaitForAsync("f1", i => i.Status == SagaStatus.Active && i.Outbox.Count == 0);

        instance.SagaName.Should().Be("FlowSaga");
        instance.Version.Should().Be(2, "the change with its outbox, then the outbox cleared once published");
        instance.CurrentStep.Should().Be("a");
        instance.State.FlowId.Should().Be("f1");
        instance.CorrelationId.Should().Be("start-1");
        instance.ProcessedEventIds.Should().Equal("start-1");
        instance.Timeouts.Should().ContainSingle().Which.Name.Should().Be("deadline");
        instance.History.Should().ContainSingle().Which.Should().BeEquivalentTo(
            new { Kind = SagaHistoryKind.Started, EventId = "start-1", EventType = "flow.started", Step = "a" });
    }

    [Fact]
    public async Task AllSteps_InOrder_CompleteSagaAndCancelTimeout()
    {
        await using var harness = await SagaHarness.StartAsync();

        // The start's timeout is armed just after its save, which the store shows first: wait for the start's outcome,
        // so the arming cannot come after the finish forgets it.
        await harness.PublishAndWaitAsync(new FlowStarted("f1"));
        await harness.Store.WaitForAsync("f1", i => i.CurrentStep == "a");
        await harness.PublishAsync(new ADone("f1"));
        await harness.Store.WaitForAsync("f1", i => i.CurrentStep == "b");
        await harness.PublishAsync(new BDone("f1"));
        await harness.Store.WaitForAsync("f1", i => i.CurrentStep == "c");
        await harness.PublishAsync(new CDone("f1"));
        await harness.Store.WaitForAsync("f1", i => i.CurrentStep == "done");
        // Until the handler's outcome: its timeout is forgotten just after the save, which the store shows first.
        await harness.PublishAndWaitAsync(new FlowFinished("f1"));
        var done = await harness.Store.WaitForAsync("f1", i => i.IsFinished);
        await harness.Events.WaitForAsync<FlowCompleted>();

        done.Status.Should().Be(SagaStatus.Completed);
        done.State.Done.Should().Equal("a", "b", "c");
        done.CompletedSteps.Should().Equal("a", "b", "c");
        done.CompensatedSteps.Should().BeEmpty();
        done.Timeouts.Should().BeEmpty();
        harness.Runner.ArmedTimeoutCount.Should().Be(0);
        done.History.Select(h => h.Kind).Should().Equal(
            SagaHistoryKind.Started, SagaHistoryKind.Handled, SagaHistoryKind.Handled, SagaHistoryKind.Handled,
            SagaHistoryKind.Handled, SagaHistoryKind.Completed);
        harness.Events.Of<UndoRequested>().Should().BeEmpty();
    }

    [Fact]
    public async Task PublishedEvents_FromSagaHandler_CarryCorrelationAndCausationOfHandledEvent()
    {
        await using var harness = await SagaHarness.StartAsync();

        await harness.PublishAsync(new FlowStarted("f1"), id: "start-1", correlationId: "flow-corr");
        await harness.Events.WaitForAsync<FlowAcknowledged>();

        var ack = harness.Events.Of<FlowAcknowledged>().Should().ContainSingle().Subject;
        ack.CorrelationId.Should().Be("flow-corr");
        ack.CausationId.Should().Be("start-1");
        ack.Source.Should().Be("/sagas/FlowSaga");
    }

    [Fact]
    public async Task PublishedEvents_FromReplayedParkedEvent_NameTheParkedEventAsCause()
    {
        await using var harness = await SagaHarness.StartAsync();

        await harness.PublishAsync(new FlowFinished("f1"), id: "finish-early", correlationId: "c");
        await harness.Store.WaitForAsync("f1", i => i.ParkedEvents.Count == 1);
        await harness.PublishAsync(new FlowStarted("f1"), id: "start", correlationId: "c");
        await harness.Store.WaitForAsync("f1", i => i.CurrentStep == "a");
        await harness.PublishAsync(new ADone("f1"), correlationId: "c");
        await harness.PublishAsync(new BDone("f1"), correlationId: "c");
        await harness.PublishAsync(new CDone("f1"), correlationId: "c");
        await harness.Events.WaitForAsync<FlowCompleted>();

        var completed = harness.Events.Of<FlowCompleted>().Should().ContainSingle().Subject;
        completed.CausationId.Should().Be("finish-early");
        completed.CorrelationId.Should().Be("c");
    }

    [Fact]
    public async Task Correlation_ByDefault_UsesCorrelationIdOfTheEvent()
    {
        var store = new ObservableSagaStore();
        await using var fixture = await BusFixture.StartAsync(
            b => b.AddSaga<CorrelationSaga, CorrelationState>(),
            services: s => s.AddSingleton<ISagaStore>(store));

        await fixture.Bus.PublishAsync(new OrderPlaced("o-1"), new PublishOptions { Id = "placed" }, TestContext.Current.CancellationToken);
        await fixture.Bus.PublishAsync(new PaymentProcessed("o-1"), new PublishOptions { CorrelationId = "placed" }, TestContext.Current.CancellationToken);
        var instance = await store.WaitForAsync<CorrelationState>("CorrelationSaga", "placed", i => i.Status == SagaStatus.Completed);

        instance.CorrelationKey.Should().Be("placed");
        instance.History.Select(h => h.Kind).Should().Contain([SagaHistoryKind.Started, SagaHistoryKind.Handled, SagaHistoryKind.Completed]);
    }

    [Fact]
    public async Task Registration_AddSaga_SubscribesOneSubscriptionPerEventType()
    {
        await using var harness = await SagaHarness.StartAsync();

        harness.Bus.Subscriptions.Select(s => s.Name).Should().Contain(
            "FlowSaga:flow.started", "FlowSaga:flow.a-done", "FlowSaga:flow.timed-out", "FlowSaga:flow.undone");
    }

    [Fact]
    public async Task QueryAsync_ByStatus_ListsInstancesForOperators()
    {
        await using var harness = await SagaHarness.StartAsync();
        await harness.PublishAsync(new FlowStarted("f1"));
        await harness.PublishAsync(new FlowStarted("f2"));
        await harness.Store.WaitForAsync("f2", i => i.Status == SagaStatus.Active);
        await harness.Store.WaitForAsync("f1", i => i.Status == SagaStatus.Active);
        await harness.PublishAsync(new FlowFailed("f2", "customer cancelled"));
        await harness.Store.WaitForAsync("f2", i => i.IsFinished);

        var compensated = new List<SagaInstance>();
        await foreach (var instance in harness.Store.QueryAsync(new SagaQuery { SagaName = "FlowSaga", Status = SagaStatus.Compensated }, TestContext.Current.CancellationToken))
        {
            compensated.Add(instance);
        }

        compensated.Should().ContainSingle().Which.Should().BeEquivalentTo(
            new { CorrelationKey = "f2", CurrentStep = "a", CompensationReason = "customer cancelled" });
        compensated[0].History.Select(h => h.Kind).Should().Contain(SagaHistoryKind.Compensated);
    }
}

public sealed record CorrelationState
{
    public string? OrderId { get; init; }
}

/// <summary>Correlates by <see cref="Event.CorrelationId"/>, the default.</summary>
public sealed class CorrelationSaga : Saga<CorrelationState>
{
    public override void Configure(SagaBuilder<CorrelationState> saga)
    {
        saga.StartedBy<OrderPlaced>((ctx, e) =>
        {
            ctx.State = ctx.State with { OrderId = e.Payload.OrderId };
            ctx.TransitionTo("paying");
        });
        saga.Handles<PaymentProcessed>((ctx, _) => ctx.Complete()).InStep("paying");
    }
}
