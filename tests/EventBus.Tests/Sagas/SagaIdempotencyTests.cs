namespace EventBus.Tests.Sagas;

public sealed class SagaIdempotencyTests
{
    [Fact]
    public async Task StartEvent_RedeliveredWithSameId_ChangesNothing()
    {
        await using var harness = await SagaHarness.StartAsync();
        var start = new Event<FlowStarted>("flow.started", new FlowStarted("f1")) { Id = "start-1" };

        await harness.Bus.PublishAsync(start, TestContext.Current.CancellationToken);
        var first = await harness.Store.WaitForAsync("f1", i => i.Status == SagaStatus.Active && i.Outbox.Count == 0);
        await harness.Bus.PublishAsync(start, TestContext.Current.CancellationToken);
        await harness.Logs.WaitForAsync("SagaDuplicateIgnored", m => m.Contains("start-1"));

        // Two saves for the start: the change with its outbox, then the outbox cleared once published.
        var after = await harness.Store.GetAsync("f1");
        after!.Version.Should().Be(first.Version).And.Be(2);
        harness.Store.SaveCount.Should().Be(2);
        await harness.Events.WaitForAsync<FlowAcknowledged>();
        harness.Events.Of<FlowAcknowledged>().Should().ContainSingle();
    }

    [Fact]
    public async Task StartEvent_SecondWithNewIdForSameKey_IsIgnoredWithLogLine()
    {
        await using var harness = await SagaHarness.StartAsync();

        await harness.PublishAsync(new FlowStarted("f1"), id: "start-1");
        var started = await harness.Store.WaitForAsync("f1", i => i.Status == SagaStatus.Active && i.Outbox.Count == 0);
        await harness.PublishAsync(new FlowStarted("f1"), id: "start-2");
        await harness.Logs.WaitForAsync("SagaEventIgnored", m => m.Contains("start-2") && m.Contains("already started"));

        var after = await harness.Store.GetAsync("f1");
        after!.Version.Should().Be(started.Version);
        after.ProcessedEventIds.Should().Equal("start-1");
    }

    [Fact]
    public async Task HandledEvent_RedeliveredAfterLaterSteps_IsIgnored()
    {
        await using var harness = await SagaHarness.StartAsync();
        var increment = new Event<Incremented>("flow.incremented", new Incremented("f1")) { Id = "inc-1" };

        await harness.PublishAsync(new FlowStarted("f1"));
        await harness.Store.WaitForAsync("f1", i => i.Status == SagaStatus.Active);
        await harness.Bus.PublishAsync(increment, TestContext.Current.CancellationToken);
        var counted = await harness.Store.WaitForAsync("f1", i => i.State.Count == 1 && i.Outbox.Count == 0);
        await harness.Bus.PublishAsync(increment, TestContext.Current.CancellationToken);
        await harness.Logs.WaitForAsync("SagaDuplicateIgnored", m => m.Contains("inc-1"));

        var after = await harness.Store.GetAsync("f1");
        after!.State.Count.Should().Be(1);
        after.Version.Should().Be(counted.Version);
    }

    [Fact]
    public async Task EventWithoutCorrelationKey_IsIgnoredWithWarningAndNotDeadLettered()
    {
        await using var harness = await SagaHarness.StartAsync();

        await harness.PublishAsync(new FlowStarted(""), id: "keyless");
        await harness.Logs.WaitForAsync("SagaNoCorrelationKey", m => m.Contains("keyless"));

        (await harness.Fixture.DeadLettersAsync()).Should().BeEmpty();
        harness.Store.SaveCount.Should().Be(0);
    }
}
