using EventBus.Tests.TestSupport;

namespace EventBus.Tests.Diagnostics;

public sealed class EventBusMetricsTests
{
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Meter_PublishDeliverRetryDeadLetter_RecordsEachCounterWithTags()
    {
        var clock = new TestClock();
        var logs = new LogRecorder();
        await using var fixture = await FailureBus.StartAsync(clock, logs, o =>
        {
            o.Resilience.Retry.MaxRetryAttempts = 1;
            o.Resilience.Retry.MaxDelay = MaxDelay;
        });
        using var metrics = new MetricRecorder(fixture.Provider);
        var handled = new Recorder<string>();
        fixture.Bus.Subscribe<OrderPlaced>(e =>
        {
            if (e.Payload.OrderId == "bad")
            {
                clock.Advance(TimeSpan.FromMilliseconds(250));
                throw new InvalidOperationException();
            }

            handled.Add(e.Payload.OrderId);
        }, new SubscriptionOptions { Name = "billing" });

        await fixture.Bus.PublishAsync(new OrderPlaced("good"), cancellationToken: Ct);
        await fixture.Bus.PublishAsync(new OrderPlaced("bad"), cancellationToken: Ct);
        await fixture.Bus.PublishAsync(new OrderShipped("nobody listens"), cancellationToken: Ct);
        await clock.AdvanceWhenWaitingAsync(MaxDelay);
        await logs.WaitForAsync("EventDeadLettered");

        metrics.Sum(EventBusDiagnostics.EventsPublished).Should().Be(3);
        metrics.Sum(EventBusDiagnostics.EventsPublished, "eventbus.event.type", "order.shipped").Should().Be(1);
        metrics.Sum(EventBusDiagnostics.EventsDelivered, "eventbus.subscription", "billing").Should().Be(1);
        metrics.Sum(EventBusDiagnostics.EventsFailed, "error.type", typeof(InvalidOperationException).FullName).Should().Be(2);
        metrics.Sum(EventBusDiagnostics.EventsRetried, "eventbus.event.type", "order.placed").Should().Be(1);
        metrics.Sum(EventBusDiagnostics.EventsDeadLettered, "eventbus.reason", "handler_failed").Should().Be(1);
        var durations = metrics.Of(EventBusDiagnostics.HandlerDuration).ToList();
        durations.Should().HaveCount(3);
        durations.Where(m => Equals(m.Tags["eventbus.outcome"], "failure")).Select(m => m.Value).Should().AllBeEquivalentTo(0.25);
    }

    [Fact]
    public async Task Meter_OverflowDrop_CountsDroppedAndDeadLettered()
    {
        var clock = new TestClock();
        var logs = new LogRecorder();
        await using var fixture = await FailureBus.StartAsync(clock, logs);
        using var metrics = new MetricRecorder(fixture.Provider);
        var gate = new TaskCompletionSource();
        var started = new Recorder<int>();
        fixture.Bus.Subscribe<OrderPlaced>(async (_, _) =>
        {
            started.Add(1);
            await gate.Task;
        }, new SubscriptionOptions { Name = "slow", Capacity = 1, OverflowPolicy = OverflowPolicy.DropNewest });

        await fixture.Bus.PublishAsync(new OrderPlaced("1"), cancellationToken: Ct);
        await started.WaitForAsync(1);
        await fixture.Bus.PublishAsync(new OrderPlaced("2"), cancellationToken: Ct);
        await fixture.Bus.PublishAsync(new OrderPlaced("3"), cancellationToken: Ct);
        gate.SetResult();

        metrics.Sum(EventBusDiagnostics.EventsDropped, "eventbus.reason", "overflow").Should().Be(1);
        metrics.Sum(EventBusDiagnostics.EventsDeadLettered, "eventbus.reason", "overflow").Should().Be(1);
    }

    [Fact]
    public async Task Meter_Gauges_ReportQueueDepthInFlightAndCircuitState()
    {
        var clock = new TestClock();
        var logs = new LogRecorder();
        await using var fixture = await FailureBus.StartAsync(clock, logs, o => o.Resilience.CircuitBreaker.Enabled = true);
        using var metrics = new MetricRecorder(fixture.Provider);
        var gate = new TaskCompletionSource();
        var started = new Recorder<int>();
        fixture.Bus.Subscribe<OrderPlaced>(async (_, _) =>
        {
            started.Add(1);
            await gate.Task;
        }, new SubscriptionOptions { Name = "busy" });

        await fixture.Bus.PublishAsync(new OrderPlaced("1"), cancellationToken: Ct);
        await started.WaitForAsync(1);
        await fixture.Bus.PublishAsync(new OrderPlaced("2"), cancellationToken: Ct);
        await fixture.Bus.PublishAsync(new OrderPlaced("3"), cancellationToken: Ct);
        metrics.Collect();
        gate.SetResult();

        metrics.Of(EventBusDiagnostics.QueueDepth).Single(m => Equals(m.Tags["eventbus.subscription"], "busy")).Value.Should().Be(2);
        metrics.Of(EventBusDiagnostics.InFlight).Single(m => Equals(m.Tags["eventbus.subscription"], "busy")).Value.Should().Be(1);
        metrics.Of(EventBusDiagnostics.CircuitState).Single(m => Equals(m.Tags["eventbus.subscription"], "busy")).Value.Should().Be(0);
    }

    [Fact]
    public async Task Meter_MetricsDisabled_RecordsNothing()
    {
        var clock = new TestClock();
        var logs = new LogRecorder();
        await using var fixture = await FailureBus.StartAsync(clock, logs, o => o.Diagnostics.MetricsEnabled = false);
        using var metrics = new MetricRecorder(fixture.Provider);
        var handled = new Recorder<int>();
        fixture.Bus.Subscribe<OrderPlaced>(_ => handled.Add(1));

        await fixture.Bus.PublishAsync(new OrderPlaced("1"), cancellationToken: Ct);
        await handled.WaitForAsync(1);
        metrics.Collect();

        metrics.Measurements.Should().BeEmpty();
    }

    [Fact]
    public void MeterName_IsThePackageName() =>
        EventBusDiagnostics.MeterName.Should().Be("EventBus").And.Be(EventBusDiagnostics.ActivitySourceName);
}
