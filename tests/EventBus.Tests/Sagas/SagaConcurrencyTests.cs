using Microsoft.Extensions.Time.Testing;

namespace EventBus.Tests.Sagas;

public sealed class SagaConcurrencyTests
{
    [Fact]
    public async Task TwoEventsForOneInstance_ReadingTheSameVersion_BothApplyAfterRetry()
    {
        await using var harness = await SagaHarness.StartAsync();
        await harness.PublishAsync(new FlowStarted("f1"));
        await harness.Store.WaitForAsync("f1", i => i.Status == SagaStatus.Active && i.Outbox.Count == 0);
        var handler = harness.Runner.Definition.HandlerFor(typeof(Incremented))!;
        harness.Store.OverlapNextReads(2);

        await Task.WhenAll(
            Task.Run(() => harness.Runner.HandleAsync(handler, new Event<Incremented>("flow.incremented", new Incremented("f1")) { Id = "i1" }, TestContext.Current.CancellationToken).AsTask(), TestContext.Current.CancellationToken),
            Task.Run(() => harness.Runner.HandleAsync(handler, new Event<Incremented>("flow.incremented", new Incremented("f1")) { Id = "i2" }, TestContext.Current.CancellationToken).AsTask(), TestContext.Current.CancellationToken));

        var after = await harness.Store.GetAsync("f1");
        after!.State.Count.Should().Be(2);
        after.Version.Should().Be(4, "start, its outbox cleared, and two increments");
        after.ProcessedEventIds.Should().Contain(["i1", "i2"]);
        harness.Logs.Entries.Count(e => e.Name == "SagaConflict").Should().Be(1);
    }

    [Fact]
    public async Task ManyEventsForOneInstance_OnTwoBusesSharingAStore_LoseNoUpdate()
    {
        const int events = 40;
        var store = new ObservableSagaStore();
        var time = new FakeTimeProvider();
        await using var first = await SagaHarness.StartAsync(store: store, time: time, options: o => o.MaxConflictRetries = 1_000);
        await using var second = await SagaHarness.StartAsync(store: store, time: time, options: o => o.MaxConflictRetries = 1_000);
        await first.PublishAsync(new FlowStarted("f1"));
        await store.WaitForAsync("f1", i => i.Status == SagaStatus.Active && i.Outbox.Count == 0);

        await Task.WhenAll(Enumerable.Range(0, events).Select(i => Task.Run(async () =>
            await (i % 2 == 0 ? first : second).PublishAsync(new Incremented("f1")))));
        var after = await store.WaitForAsync("f1", i => i.State.Count == events && i.Outbox.Count == 0);

        after.Version.Should().Be(events + 2, "start, its outbox cleared, and one save per increment");
        after.History.Count(h => h.EventType == "flow.incremented").Should().Be(events);
    }

    [Fact]
    public async Task TwoStartEventsRacing_OnTwoBusesSharingAStore_CreateExactlyOneInstance()
    {
        var store = new ObservableSagaStore();
        var time = new FakeTimeProvider();
        await using var first = await SagaHarness.StartAsync(store: store, time: time);
        await using var second = await SagaHarness.StartAsync(store: store, time: time);
        store.OverlapNextReads(2);

        await first.PublishAsync(new FlowStarted("f1"), id: "start-1");
        await second.PublishAsync(new FlowStarted("f1"), id: "start-2");
        await Task.WhenAny(
            first.Logs.WaitForAsync("SagaEventIgnored", m => m.Contains("already started")),
            second.Logs.WaitForAsync("SagaEventIgnored", m => m.Contains("already started")));

        var instance = await store.WaitForAsync("f1", i => i.Outbox.Count == 0);
        instance.Version.Should().Be(2, "one start saved, then its outbox cleared");
        instance.History.Should().ContainSingle(h => h.Kind == SagaHistoryKind.Started);
        (first.Logs.Entries.Concat(second.Logs.Entries)).Count(e => e.Name == "SagaConflict").Should().Be(1);
        var winner = instance.ProcessedEventIds.Should().ContainSingle().Subject;
        var winnerBus = winner == "start-1" ? first : second;
        await winnerBus.Events.WaitForAsync<FlowAcknowledged>();
        first.Events.Of<FlowAcknowledged>().Concat(second.Events.Of<FlowAcknowledged>())
            .Select(e => e.CausationId).Distinct().Should().Equal(winner);
    }

    [Fact]
    public async Task Conflicts_BeyondMaxRetries_DeadLetterTheEvent()
    {
        await using var harness = await SagaHarness.StartAsync(options: o => o.MaxConflictRetries = 2);
        harness.Store.ForcedConflicts = 3;

        await harness.PublishAsync(new FlowStarted("f1"), id: "start-1");
        await harness.DeadLetters.WaitForAsync();

        var deadLetter = (await harness.Fixture.DeadLettersAsync()).Should().ContainSingle().Subject;
        deadLetter.Reason.Should().Be(DeadLetterReason.HandlerFailed);
        deadLetter.ExceptionType.Should().Be(typeof(SagaConcurrencyException).FullName);
        deadLetter.SubscriptionName.Should().Be("FlowSaga:flow.started");
        harness.Logs.Entries.Count(e => e.Name == "SagaConflict").Should().Be(2);
        (await harness.Store.GetAsync("f1")).Should().BeNull();
    }
}
