using EventBus.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace EventBus.Tests.Dispatch;

public class PublishSubscribeTests
{
    [Fact]
    public async Task PublishAsync_TypedPayload_ReachesTypedAndMatchingPatternSubscribers()
    {
        await using var fx = await BusFixture.StartAsync();
        var typed = new Recorder<Event<OrderPlaced>>();
        var wildcard = new Recorder<Event>();
        var other = new Recorder<Event>();
        fx.Bus.Subscribe<OrderPlaced>(typed.Add);
        fx.Bus.Subscribe("order.*", wildcard.Add);
        fx.Bus.Subscribe("payment.#", other.Add);

        await fx.Bus.PublishAsync(new OrderPlaced("o-1"));
        await fx.Bus.PublishAsync(new PaymentProcessed("o-1"));

        await typed.WaitForAsync(1);
        await wildcard.WaitForAsync(1);
        await other.WaitForAsync(1);
        typed.Items.Single().Payload.OrderId.Should().Be("o-1");
        wildcard.Items.Single().Type.Should().Be("order.placed");
        other.Items.Single().Type.Should().Be("payment.processed");
    }

    [Fact]
    public async Task PublishAsync_Payload_AllocatesNoMoreThanTheEnvelope()
    {
        // The envelope is the one allocation of publishing a payload: the id stays a UUID until someone reads it, the
        // stamps are shared strings. No subscription matches, so the publish completes on this thread. Metrics and traces
        // are off: listeners of other tests running in parallel would record (and allocate for) this bus too.
        await using var fx = await BusFixture.StartAsync(options: o =>
        {
            o.Diagnostics.MetricsEnabled = false;
            o.Diagnostics.TracingEnabled = false;
        });
        var payload = new OrderPlaced("o-1");
        for (var i = 0; i < 100; i++)
        {
            await fx.Bus.PublishAsync(payload);
        }

        var envelopeBefore = GC.GetAllocatedBytesForCurrentThread();
        var envelope = new Event<OrderPlaced>("order.placed", payload);
        var envelopeBytes = GC.GetAllocatedBytesForCurrentThread() - envelopeBefore;
        GC.KeepAlive(envelope);

        const int publishes = 1_000;
        var before = GC.GetAllocatedBytesForCurrentThread();
        var synchronous = 0;
        for (var i = 0; i < publishes; i++)
        {
            synchronous += fx.Bus.PublishAsync(payload).IsCompletedSuccessfully ? 1 : 0;
        }

        var perPublish = (GC.GetAllocatedBytesForCurrentThread() - before) / (double)publishes;
        synchronous.Should().Be(publishes);
        perPublish.Should().BeLessThanOrEqualTo(envelopeBytes, $"one envelope is {envelopeBytes} B");
    }

    [Fact]
    public async Task PublishAsync_Payload_StampsTimeSourceIdAndSelfCorrelation()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
        await using var fx = await BusFixture.StartAsync(services: s => s.AddSingleton<TimeProvider>(time));
        var seen = new Recorder<Event>();
        fx.Bus.Subscribe("#", seen.Add);

        await fx.Bus.PublishAsync(new OrderPlaced("o-1"), new PublishOptions { Subject = "o-1", Priority = EventPriority.High });

        await seen.WaitForAsync(1);
        var @event = seen.Items.Single();
        @event.Time.Should().Be(time.GetUtcNow());
        @event.Source.Should().Be("/eventbus");
        @event.Subject.Should().Be("o-1");
        @event.Priority.Should().Be(EventPriority.High);
        @event.CorrelationId.Should().Be(@event.Id, "a root event correlates to itself");
        @event.CausationId.Should().BeNull();
    }

    [Fact]
    public async Task PublishAsync_FromInsideHandler_InheritsCorrelationAndSetsCausation()
    {
        await using var fx = await BusFixture.StartAsync();
        var children = new Recorder<Event>();
        fx.Bus.Subscribe<OrderPlaced>(async (e, ct) =>
        {
            await Task.Yield();
            await fx.Bus.PublishAsync(new PaymentProcessed(e.Payload.OrderId), cancellationToken: ct);
            await fx.Bus.PublishAsync(new Event("order.audited", e.Payload.OrderId), ct);
        });
        fx.Bus.Subscribe("payment.processed", children.Add);
        fx.Bus.Subscribe("order.audited", children.Add);
        var root = new Event<OrderPlaced>("order.placed", new OrderPlaced("o-1")) { CorrelationId = "flow-1" };

        await fx.Bus.PublishAsync(root);

        await children.WaitForAsync(2);
        children.Items.Should().AllSatisfy(child =>
        {
            child.CorrelationId.Should().Be("flow-1");
            child.CausationId.Should().Be(root.Id);
        });
    }

    [Fact]
    public async Task PublishAsync_EnvelopeWithAllAttributesSet_IsDeliveredAsIs()
    {
        // Without tracing: an activity listener of a test running alongside would make the bus add a trace parent (a copy).
        await using var fx = await BusFixture.StartAsync(options: o => o.Diagnostics.TracingEnabled = false);
        var seen = new Recorder<Event>();
        fx.Bus.Subscribe("#", seen.Add);
        var @event = new Event("order.placed", 1)
        {
            Source = "/shop",
            Time = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero),
            CorrelationId = "c",
        };

        await fx.Bus.PublishAsync(@event);

        await seen.WaitForAsync(1);
        seen.Items.Single().Should().BeSameAs(@event);
    }

    [Fact]
    public async Task PublishAsync_NoSubscriber_Completes()
    {
        await using var fx = await BusFixture.StartAsync();

        var act = async () => await fx.Bus.PublishAsync(new OrderPlaced("o-1"));

        await act.Should().NotThrowAsync();
    }

    [Fact]
    public async Task PublishAsync_UnnamedPayloadType_ThrowsWithGuidance()
    {
        await using var fx = await BusFixture.StartAsync();

        var act = async () => await fx.Bus.PublishAsync(new NotAttributed(1));

        await act.Should().ThrowAsync<InvalidOperationException>().WithMessage("*AddEventType<NotAttributed>*");
    }

    [Fact]
    public async Task PublishAsync_RegisteredPayloadType_UsesRegisteredName()
    {
        await using var fx = await BusFixture.StartAsync(b => b.AddEventType<NotAttributed>("test.registered"));
        var seen = new Recorder<Event<NotAttributed>>();
        fx.Bus.Subscribe<NotAttributed>(seen.Add);

        await fx.Bus.PublishAsync(new NotAttributed(7));

        await seen.WaitForAsync(1);
        seen.Items.Single().Type.Should().Be("test.registered");
    }

    [Fact]
    public async Task Subscribe_InvalidPattern_ThrowsArgumentException()
    {
        await using var fx = await BusFixture.StartAsync();

        var act = () => fx.Bus.Subscribe("order.**", _ => { });

        act.Should().Throw<ArgumentException>().WithMessage("*'order.**'*position 6*");
    }

    [Fact]
    public async Task Subscribe_DuplicateName_Throws()
    {
        await using var fx = await BusFixture.StartAsync();
        fx.Bus.Subscribe("#", _ => { }, new SubscriptionOptions { Name = "audit" });

        var act = () => fx.Bus.Subscribe("order.*", _ => { }, new SubscriptionOptions { Name = "audit" });

        act.Should().Throw<ArgumentException>().WithMessage("*'audit' already exists*");
    }

    [Fact]
    public async Task HandlerException_WithoutFailurePolicy_IsCapturedAsDeadLetterAfterOneAttempt_AndLaterEventsStillFlow()
    {
        var store = new RecordingDeadLetterStore();
        await using var fx = await BusFixture.StartAsync(
            options: o => o.Resilience.Enabled = false,
            services: s => s.AddSingleton<IDeadLetterStore>(store));
        var handled = new Recorder<string>();
        fx.Bus.Subscribe<OrderPlaced>(e =>
        {
            if (e.Payload.OrderId == "poison")
            {
                throw new InvalidOperationException("cannot handle poison");
            }

            handled.Add(e.Payload.OrderId);
        }, new SubscriptionOptions { Name = "orders" });

        await fx.Bus.PublishAsync(new OrderPlaced("poison"));
        await fx.Bus.PublishAsync(new OrderPlaced("ok"));

        await handled.WaitForAsync(1);
        await store.Entries.WaitForAsync(1);
        var entry = store.Entries.Items.Single();
        entry.SubscriptionName.Should().Be("orders");
        entry.Reason.Should().Be(DeadLetterReason.HandlerFailed);
        entry.ExceptionType.Should().Be(typeof(InvalidOperationException).FullName);
        entry.ExceptionMessage.Should().Be("cannot handle poison");
        entry.AttemptCount.Should().Be(1);
        ((OrderPlaced)entry.Event.Payload!).OrderId.Should().Be("poison");
    }

    [Fact]
    public async Task TypedSubscription_EventWithPayloadOfAnotherType_IsDeadLetteredAsDeserializationFailure()
    {
        var store = new RecordingDeadLetterStore();
        await using var fx = await BusFixture.StartAsync(services: s => s.AddSingleton<IDeadLetterStore>(store));
        fx.Bus.Subscribe<OrderPlaced>(_ => { });

        await fx.Bus.PublishAsync(new Event("order.placed", "{\"orderId\":\"raw\"}"));

        await store.Entries.WaitForAsync(1);
        store.Entries.Items.Single().Reason.Should().Be(DeadLetterReason.DeserializationFailed);
    }
}
