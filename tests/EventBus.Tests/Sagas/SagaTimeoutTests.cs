using EventBus.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace EventBus.Tests.Sagas;

public sealed class SagaTimeoutTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task Timeout_WhenDue_IsPublishedAndFailsTheSaga()
    {
        await using var harness = await SagaHarness.StartAsync(new FlowSaga(Deadline));
        // Until the handler's outcome: a handler still running when the clock moves would see its time limit pass.
        await harness.PublishAndWaitAsync(new FlowStarted("f1"), id: "start-1", correlationId: "corr-1");
        var started = await harness.Store.WaitForAsync("f1", i => i.Status == SagaStatus.Active);

        harness.Time.Advance(Deadline);
        var ended = await harness.Store.WaitForAsync("f1", i => i.IsFinished);
        await harness.Events.WaitForAsync<FlowTimedOut>();

        started.Timeouts.Should().ContainSingle().Which.DueTime.Should().Be(started.CreatedTime + Deadline);
        ended.Status.Should().Be(SagaStatus.Compensated);
        ended.CompensationReason.Should().Be("deadline passed");
        ended.State.TimedOut.Should().BeTrue();
        ended.Timeouts.Should().BeEmpty();
        var timeout = harness.Events.Of<FlowTimedOut>().Should().ContainSingle().Subject;
        timeout.CorrelationId.Should().Be("corr-1");
        timeout.CausationId.Should().Be("start-1");
        timeout.Time.Should().Be(started.CreatedTime + Deadline);
        await harness.Events.WaitForAsync<FlowCompensated>();
        harness.Events.Of<FlowCompensated>().Should().ContainSingle().Which.CausationId.Should().Be(timeout.Id);
    }

    [Fact]
    public async Task Timeout_BeforeDue_DoesNotFire()
    {
        await using var harness = await SagaHarness.StartAsync(new FlowSaga(Deadline));
        await harness.PublishAndWaitAsync(new FlowStarted("f1")); // until the outcome: the timeout is armed by then
        await harness.Store.WaitForAsync("f1", i => i.Status == SagaStatus.Active);

        harness.Time.Advance(Deadline - TimeSpan.FromSeconds(1));

        harness.Runner.ArmedTimeoutCount.Should().Be(1);
        harness.Events.Of<FlowTimedOut>().Should().BeEmpty();
        (await harness.Store.GetAsync("f1"))!.Timeouts.Should().ContainSingle();
    }

    [Fact]
    public async Task Timeout_WhenSagaMovesOn_IsCancelledAndNeverFires()
    {
        await using var harness = await SagaHarness.StartAsync(new FlowSaga(Deadline));
        await harness.PublishAndWaitAsync(new FlowStarted("f1")); // until the outcome: the timeout is armed by then
        await harness.Store.WaitForAsync("f1", i => i.Status == SagaStatus.Active);
        harness.Runner.ArmedTimeoutCount.Should().Be(1);

        // Until the handler's outcome: the timeout is forgotten just after the save, which the store shows first.
        await harness.PublishAndWaitAsync(new ADone("f1"));
        var moved = await harness.Store.WaitForAsync("f1", i => i.CurrentStep == "b");
        harness.Time.Advance(Deadline * 2);

        moved.Timeouts.Should().BeEmpty();
        harness.Runner.ArmedTimeoutCount.Should().Be(0);
        harness.Events.Of<FlowTimedOut>().Should().BeEmpty();
        (await harness.Store.GetAsync("f1"))!.Status.Should().Be(SagaStatus.Active);
    }

    [Fact]
    public async Task Timeout_FiredAfterItWasCancelled_IsIgnoredWithLogLine()
    {
        await using var harness = await SagaHarness.StartAsync(new FlowSaga(Deadline));
        await harness.PublishAsync(new FlowStarted("f1"));
        var started = await harness.Store.WaitForAsync("f1", i => i.Status == SagaStatus.Active);
        await harness.Logs.WaitForAsync("SagaTimeoutScheduled"); // armed just after the save: wait, or the clock moves first
        var stale = started.Timeouts.Single().Event;
        await harness.PublishAsync(new ADone("f1"));
        await harness.Store.WaitForAsync("f1", i => i.CurrentStep == "b");

        await harness.Bus.PublishAsync(stale, TestContext.Current.CancellationToken);
        await harness.Logs.WaitForAsync("SagaEventIgnored", m => m.Contains(stale.Id) && m.Contains("cancelled"));

        var after = await harness.Store.GetAsync("f1");
        after!.Status.Should().Be(SagaStatus.Active);
        after.State.TimedOut.Should().BeFalse();
    }

    [Fact]
    public async Task Timeout_PendingInStoreWhenBusStops_IsArmedAgainOnNextStart()
    {
        var store = new ObservableSagaStore();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using (var before = await SagaHarness.StartAsync(new FlowSaga(Deadline), store, time))
        {
            await before.PublishAsync(new FlowStarted("f1"));
            await store.WaitForAsync("f1", i => i.Timeouts.Count == 1);
        }

        await using var after = await SagaHarness.StartAsync(new FlowSaga(Deadline), store, time);
        await after.Runner.Recovery;
        after.Runner.ArmedTimeoutCount.Should().Be(1);
        await after.Logs.WaitForAsync("SagaTimeoutsRecovered");
        time.Advance(Deadline);
        var ended = await store.WaitForAsync("f1", i => i.IsFinished);

        ended.CompensationReason.Should().Be("deadline passed");
    }

    [Fact]
    public async Task Timeout_DueWhileBusWasDown_FiresRightAfterStart()
    {
        var store = new ObservableSagaStore();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using (var before = await SagaHarness.StartAsync(new FlowSaga(Deadline), store, time))
        {
            await before.PublishAsync(new FlowStarted("f1"));
            await store.WaitForAsync("f1", i => i.Timeouts.Count == 1);
        }

        time.Advance(Deadline * 3);
        await using var after = await SagaHarness.StartAsync(new FlowSaga(Deadline), store, time);
        await after.Runner.Recovery;
        time.Advance(TimeSpan.Zero);
        var ended = await store.WaitForAsync("f1", i => i.IsFinished);

        ended.State.TimedOut.Should().BeTrue();
    }

    [Fact]
    public async Task ScheduleTimeout_ForEventTheSagaDoesNotHandle_FailsTheHandlerInsteadOfLosingIt()
    {
        var store = new ObservableSagaStore();
        var deadLetters = new RecordingDeadLetterStore();
        await using var fixture = await TestSupport.BusFixture.StartAsync(
            b => b.AddSaga<UnhandledTimeoutSaga, FlowState>(),
            options: o => o.Resilience.Enabled = false,
            services: s =>
            {
                s.AddSingleton<ISagaStore>(store);
                s.AddSingleton<IDeadLetterStore>(deadLetters);
            });

        await fixture.Bus.PublishAsync(new FlowStarted("f1"), cancellationToken: TestContext.Current.CancellationToken);
        await deadLetters.WaitForAsync();

        var deadLetter = (await fixture.DeadLettersAsync()).Should().ContainSingle().Subject;
        deadLetter.ExceptionType.Should().Be(typeof(InvalidOperationException).FullName);
        deadLetter.ExceptionMessage.Should().Contain("does not handle FlowTimedOut");
        (await store.GetAsync("f1", "UnhandledTimeoutSaga")).Should().BeNull();
    }

    public sealed class UnhandledTimeoutSaga : Saga<FlowState>
    {
        public override void Configure(SagaBuilder<FlowState> saga) =>
            saga.StartedBy<FlowStarted>((ctx, e) => ctx.ScheduleTimeout("t", new FlowTimedOut(e.Payload.FlowId), TimeSpan.FromSeconds(1)))
                .CorrelateBy(p => p.FlowId);
    }
}
