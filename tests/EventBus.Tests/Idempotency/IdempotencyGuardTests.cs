using EventBus.Diagnostics;
using EventBus.Idempotency;
using EventBus.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace EventBus.Tests.Idempotency;

public sealed class IdempotencyGuardTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Deliver_DuplicateId_IsSuppressedAndCounted()
    {
        var clock = new TestClock();
        var logs = new LogRecorder();
        await using var fixture = await FailureBus.StartAsync(clock, logs, configure: b => b.AddIdempotency());
        using var metrics = new MetricRecorder(fixture.Provider);
        var handled = new Recorder<string>();
        fixture.Bus.Subscribe<OrderPlaced>(e => handled.Add(e.Payload.OrderId), new SubscriptionOptions { Name = "billing" });

        await fixture.Bus.PublishAsync(new OrderPlaced("first"), new PublishOptions { Id = "evt-1" }, Ct);
        await fixture.Bus.PublishAsync(new OrderPlaced("redelivered"), new PublishOptions { Id = "evt-1" }, Ct);
        await fixture.Bus.PublishAsync(new OrderPlaced("second"), new PublishOptions { Id = "evt-2" }, Ct);
        await handled.WaitForAsync(2);
        await fixture.Lifetime.StopAsync(Ct);

        handled.Items.Should().Equal("first", "second");
        logs.Named("DuplicateDropped").Should().ContainSingle();
        metrics.Sum(EventBusDiagnostics.EventsDropped, "eventbus.reason", "duplicate").Should().Be(1);
        (await fixture.DeadLettersAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task Deliver_FailedEvent_IsForgottenSoRedeliveryIsHandled()
    {
        var clock = new TestClock();
        var logs = new LogRecorder();
        await using var fixture = await FailureBus.StartAsync(clock, logs, configure: b => b.AddIdempotency());
        var attempts = new Recorder<string>();
        fixture.Bus.Subscribe<OrderPlaced>(e =>
        {
            attempts.Add(e.Payload.OrderId);
            if (attempts.Count == 1)
            {
                throw new InvalidOperationException("first try fails");
            }
        });

        await fixture.Bus.PublishAsync(new OrderPlaced("a"), new PublishOptions { Id = "evt-1" }, Ct);
        await logs.WaitForAsync("EventDeadLettered");
        await fixture.Bus.PublishAsync(new OrderPlaced("a-again"), new PublishOptions { Id = "evt-1" }, Ct);
        await attempts.WaitForAsync(2);

        attempts.Items.Should().Equal("a", "a-again");
        logs.Named("DuplicateDropped").Should().BeEmpty();
    }

    [Fact]
    public async Task Deliver_AfterTimeWindow_SameIdIsHandledAgain()
    {
        var clock = new TestClock();
        var logs = new LogRecorder();
        await using var fixture = await FailureBus.StartAsync(clock, logs, configure: b => b.AddIdempotency(o =>
        {
            o.MaxCount = null;
            o.Window = TimeSpan.FromMinutes(10);
        }));
        var handled = new Recorder<string>();
        fixture.Bus.Subscribe<OrderPlaced>(e => handled.Add(e.Payload.OrderId));

        // The id is recorded once the delivery finished, so wait for its outcome, not for the handler to start.
        var first = await fixture.Provider.GetRequiredService<IAcknowledgingPublisher>()
            .PublishAsync(new Event<OrderPlaced>("order.placed", new OrderPlaced("1")) { Id = "evt-1" }, Ct);
        await first.Outcomes;
        clock.Advance(TimeSpan.FromMinutes(9));
        await fixture.Bus.PublishAsync(new OrderPlaced("2"), new PublishOptions { Id = "evt-1" }, Ct);
        await logs.WaitForAsync("DuplicateDropped");
        clock.Advance(TimeSpan.FromMinutes(2));
        await fixture.Bus.PublishAsync(new OrderPlaced("3"), new PublishOptions { Id = "evt-1" }, Ct);
        await handled.WaitForAsync(2);

        handled.Items.Should().Equal("1", "3");
    }

    [Fact]
    public async Task Subscribe_IdempotencyPerSubscription_OnlyThatSubscriptionDropsDuplicates()
    {
        var clock = new TestClock();
        var logs = new LogRecorder();
        await using var fixture = await FailureBus.StartAsync(clock, logs);
        var guarded = new Recorder<string>();
        var plain = new Recorder<string>();
        fixture.Bus.Subscribe<OrderPlaced>(e => guarded.Add(e.Payload.OrderId), new SubscriptionOptions
        {
            ConfigureIdempotency = o => o.Enabled = true,
        });
        fixture.Bus.Subscribe<OrderPlaced>(e => plain.Add(e.Payload.OrderId));

        await fixture.Bus.PublishAsync(new OrderPlaced("1"), new PublishOptions { Id = "evt-1" }, Ct);
        await fixture.Bus.PublishAsync(new OrderPlaced("2"), new PublishOptions { Id = "evt-1" }, Ct);
        await plain.WaitForAsync(2);
        await logs.WaitForAsync("DuplicateDropped");

        guarded.Items.Should().Equal("1");
    }

    [Fact]
    public async Task Deliver_InboxFails_EventIsHandledAnywayAndLogged()
    {
        var clock = new TestClock();
        var logs = new LogRecorder();
        await using var fixture = await FailureBus.StartAsync(clock, logs, configure: b => b.AddIdempotency().UseInbox<BrokenInbox>());
        var handled = new Recorder<string>();
        fixture.Bus.Subscribe<OrderPlaced>(e => handled.Add(e.Payload.OrderId));

        await fixture.Bus.PublishAsync(new OrderPlaced("1"), cancellationToken: Ct);
        await handled.WaitForAsync(1);

        logs.Named("InboxFailed").Should().ContainSingle();
        fixture.Provider.GetRequiredService<IInbox>().Should().BeOfType<BrokenInbox>();
    }

    [Fact]
    public async Task Subscribe_InvalidIdempotencyOverride_ThrowsNamingSetting()
    {
        await using var fixture = await BusFixture.StartAsync();

        var act = () => fixture.Bus.Subscribe<OrderPlaced>(_ => { }, new SubscriptionOptions
        {
            Name = "dedup",
            ConfigureIdempotency = o =>
            {
                o.Enabled = true;
                o.MaxCount = 0;
            },
        });

        act.Should().Throw<ArgumentException>().WithMessage("*Subscription 'dedup': Idempotency:MaxCount must be at least 1*");
    }

    [Fact]
    public async Task Deliver_IdIsRecordedOnlyOnceTheHandlerSucceeded_SoACrashMidHandlerLeavesItUnrecorded()
    {
        var clock = new TestClock();
        var logs = new LogRecorder();
        await using var fixture = await FailureBus.StartAsync(clock, logs, configure: b => b.AddIdempotency());
        var inbox = fixture.Provider.GetRequiredService<IInbox>();
        var window = new IdempotencyWindow(IdempotencyConstants.DefaultMaxCount, IdempotencyConstants.DefaultWindow);
        var seenDuringHandler = new Recorder<bool>();
        fixture.Bus.Subscribe<OrderPlaced>(async (e, ct) =>
            seenDuringHandler.Add(await inbox.ContainsAsync("billing", e.Id, window, ct)), new SubscriptionOptions { Name = "billing" });

        await fixture.Bus.PublishAsync(new OrderPlaced("1"), new PublishOptions { Id = "evt-1" }, Ct);
        await seenDuringHandler.WaitForAsync(1);
        await fixture.Lifetime.StopAsync(Ct);

        seenDuringHandler.Items.Should().Equal([false], "while the handler runs nothing is recorded: a crash now means the redelivery is handled");
        (await inbox.ContainsAsync("billing", "evt-1", window, Ct)).Should().BeTrue("a handled event is recorded, so a redelivery is dropped");
    }

    private sealed class BrokenInbox : IInbox
    {
        public ValueTask<bool> ContainsAsync(string subscriptionName, string eventId, IdempotencyWindow window, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("database unavailable");

        public ValueTask<bool> TryAddAsync(string subscriptionName, string eventId, IdempotencyWindow window, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("database unavailable");

        public ValueTask<bool> RemoveAsync(string subscriptionName, string eventId, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("database unavailable");
    }
}
