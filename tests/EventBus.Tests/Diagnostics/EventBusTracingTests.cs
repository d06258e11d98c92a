using System.Collections.Concurrent;
using System.Diagnostics;
using EventBus.Tests.TestSupport;

namespace EventBus.Tests.Diagnostics;

public sealed class EventBusTracingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Listens to the EventBus source, keeping only activities of one trace (tests run in parallel).</summary>
    private sealed class TraceRecorder : IDisposable
    {
        private readonly ActivityListener _listener;
        private readonly ConcurrentQueue<Activity> _stopped = new();

        public TraceRecorder()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == EventBusDiagnostics.ActivitySourceName,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = _stopped.Enqueue,
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public List<Activity> InTrace(ActivityTraceId traceId) => [.. _stopped.Where(a => a.TraceId == traceId)];

        public void Dispose() => _listener.Dispose();
    }

    [Fact]
    public async Task Publish_WithListener_HandleSpanIsChildOfPublishSpanThroughTraceParent()
    {
        using var traces = new TraceRecorder();
        await using var fixture = await BusFixture.StartAsync();
        var received = new Recorder<Event>();
        fixture.Bus.Subscribe<OrderPlaced>(e => received.Add(e), new SubscriptionOptions { Name = "billing" });
        using var root = new Activity("test-root").Start();

        await fixture.Bus.PublishAsync(new OrderPlaced("1"), cancellationToken: Ct);
        await received.WaitForAsync(1);
        await fixture.Lifetime.StopAsync(Ct);
        root.Stop();

        var spans = traces.InTrace(root.TraceId);
        var publish = spans.Should().ContainSingle(a => a.Kind == ActivityKind.Producer).Subject;
        var handle = spans.Should().ContainSingle(a => a.Kind == ActivityKind.Consumer).Subject;
        publish.DisplayName.Should().Be("publish order.placed");
        publish.ParentSpanId.Should().Be(root.SpanId);
        handle.DisplayName.Should().Be("process order.placed");
        handle.ParentSpanId.Should().Be(publish.SpanId);
        handle.GetTagItem("messaging.consumer.group.name").Should().Be("billing");
        handle.GetTagItem("eventbus.outcome").Should().Be("handled");
        received.Items.Single().TraceParent.Should().Be(publish.Id);
        Activity.Current.Should().BeNull();
    }

    [Fact]
    public async Task Publish_FromHandler_WholeFlowIsOneTrace()
    {
        using var traces = new TraceRecorder();
        await using var fixture = await BusFixture.StartAsync();
        var shipped = new Recorder<Event>();
        fixture.Bus.Subscribe<OrderPlaced>(async (e, ct) => await fixture.Bus.PublishAsync(new OrderShipped(e.Payload.OrderId), cancellationToken: ct));
        fixture.Bus.Subscribe<OrderShipped>(e => shipped.Add(e));

        await fixture.Bus.PublishAsync(new OrderPlaced("1"), cancellationToken: Ct);
        await shipped.WaitForAsync(1);
        await fixture.Lifetime.StopAsync(Ct);

        var traceId = ActivityContext.Parse(shipped.Items.Single().TraceParent!, null).TraceId;
        var spans = traces.InTrace(traceId);
        spans.Select(a => a.DisplayName).Should().BeEquivalentTo(
            "publish order.placed", "process order.placed", "publish order.shipped", "process order.shipped");
        var byName = spans.ToDictionary(a => a.DisplayName);
        byName["publish order.shipped"].ParentSpanId.Should().Be(byName["process order.placed"].SpanId);
        byName["process order.shipped"].ParentSpanId.Should().Be(byName["publish order.shipped"].SpanId);
    }

    [Fact]
    public async Task Handle_Failure_SpanHasErrorStatusAndAttempts()
    {
        using var traces = new TraceRecorder();
        var clock = new TestClock();
        var logs = new LogRecorder();
        await using var fixture = await FailureBus.StartAsync(clock, logs);
        fixture.Bus.Subscribe<OrderPlaced>(_ => throw new InvalidOperationException("nope"));
        using var root = new Activity("test-root").Start();

        await fixture.Bus.PublishAsync(new OrderPlaced("1"), cancellationToken: Ct);
        await logs.WaitForAsync("EventDeadLettered");
        await fixture.Lifetime.StopAsync(Ct);

        var handle = traces.InTrace(root.TraceId).Single(a => a.Kind == ActivityKind.Consumer);
        handle.Status.Should().Be(ActivityStatusCode.Error);
        handle.GetTagItem("eventbus.attempts").Should().Be(1);
        handle.GetTagItem("eventbus.outcome").Should().Be("dead_lettered");
        handle.GetTagItem("error.type").Should().Be(typeof(InvalidOperationException).FullName);
    }

    [Fact]
    public async Task Publish_TracingDisabled_StartsNoSpans()
    {
        using var traces = new TraceRecorder();
        await using var fixture = await BusFixture.StartAsync(options: o => o.Diagnostics.TracingEnabled = false);
        var received = new Recorder<Event>();
        fixture.Bus.Subscribe<OrderPlaced>(e => received.Add(e));
        using var root = new Activity("test-root").Start();

        await fixture.Bus.PublishAsync(new OrderPlaced("1"), cancellationToken: Ct);
        await received.WaitForAsync(1);
        await fixture.Lifetime.StopAsync(Ct);

        traces.InTrace(root.TraceId).Should().BeEmpty();
        received.Items.Single().TraceParent.Should().BeNull();
    }
}
