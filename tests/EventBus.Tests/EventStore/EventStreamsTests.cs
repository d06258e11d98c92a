using System.Text;
using System.Text.Json;
using EventBus.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace EventBus.Tests.EventStore;

public sealed class EventStreamsTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 26, 9, 30, 0, TimeSpan.Zero);

    [Fact]
    public async Task AppendAsync_Payloads_AreReadBackWithStampedEnvelope()
    {
        var time = new FakeTimeProvider(Start);
        await using var provider = StoreFixture.Build(services: s => s.AddSingleton<TimeProvider>(time));
        var streams = provider.GetRequiredService<IEventStreams>();

        var result = await streams.AppendAsync("order-A1", ExpectedVersion.NoStream, [new OrderPlaced("A1", 12.5m), new OrderShipped("A1")]);

        result.Should().Be(new AppendResult(2, 2));
        var events = await streams.ReadStreamAsync("order-A1").ToListAsync();
        events.Select(e => e.Event.Payload).Should().Equal(new OrderPlaced("A1", 12.5m), new OrderShipped("A1"));
        events.Select(e => e.Event.Type).Should().Equal("order.placed", "order.shipped");
        events.Should().OnlyContain(e => e.Event.Subject == "order-A1" && e.Event.Time == Start && e.Recorded == Start && e.StreamId == "order-A1");
        events.Should().OnlyContain(e => e.Event.CorrelationId == e.Event.Id && e.Event.CausationId == null);
        Guid.TryParse(events[0].Event.Id, out _).Should().BeTrue();
        events.Select(e => (e.StreamVersion, e.Position)).Should().Equal((1L, 1L), (2L, 2L));
    }

    [Fact]
    public async Task AppendAsync_Envelope_KeepsEveryAttribute()
    {
        await using var provider = StoreFixture.Build();
        var streams = provider.GetRequiredService<IEventStreams>();
        var envelope = new Event("order.placed", new OrderPlaced("A2", 3m))
        {
            Id = "evt-42",
            Source = "/shop",
            Time = Start,
            Subject = "A2",
            CorrelationId = "corr-1",
            CausationId = "cause-1",
            Priority = EventPriority.High,
            DataVersion = "1.0",
            TraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            DataContentType = "application/json",
            Headers = new Dictionary<string, string> { ["tenant"] = "t-1" },
        };

        await streams.AppendAsync("order-A2", ExpectedVersion.Any, [envelope]);

        var read = (await streams.ReadStreamAsync("order-A2").ToListAsync()).Single().Event;
        read.Should().BeEquivalentTo(envelope, o => o.Excluding(e => e.Headers));
        read.Headers.Should().Equal(envelope.Headers);
    }

    [Fact]
    public async Task AppendAsync_PayloadAsStored_IsCamelCaseJsonWithRegisteredTypeNameOnly()
    {
        await using var provider = StoreFixture.Build();
        var streams = provider.GetRequiredService<IEventStreams>();
        var store = provider.GetRequiredService<IEventStore>();

        await streams.AppendAsync("order-A3", ExpectedVersion.Any, [new OrderPlaced("A3", 7m)]);

        var record = (await store.ReadStreamAsync("order-A3").ToListAsync()).Single();
        record.EventType.Should().Be("order.placed");
        Encoding.UTF8.GetString(record.Data.Span).Should().Be("{\"orderId\":\"A3\",\"amount\":7}");
        Encoding.UTF8.GetString(record.Metadata.Span).Should().NotContain(nameof(OrderPlaced)).And.NotContain("EventBus.Tests");
    }

    [Fact]
    public async Task AppendAsync_PayloadWithoutTypeName_IsRejected()
    {
        await using var provider = StoreFixture.Build();
        var streams = provider.GetRequiredService<IEventStreams>();

        var act = () => streams.AppendAsync("s-1", ExpectedVersion.Any, [new NotAttributed(1)]).AsTask();

        (await act.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("NotAttributed");
        (await provider.GetRequiredService<IEventStore>().GetHeadPositionAsync()).Should().Be(0);
    }

    [Fact]
    public async Task ReadStreamAsync_UnknownTypeWithFailFast_ThrowsNamingStreamVersionAndPosition()
    {
        await using var provider = StoreFixture.Build();
        var store = provider.GetRequiredService<IEventStore>();
        await store.AppendAsync("other", ExpectedVersion.Any, [Raw("order.placed", "{\"orderId\":\"x\",\"amount\":1}")]);
        await store.AppendAsync("legacy-1", ExpectedVersion.Any, [Raw("order.placed", "{\"orderId\":\"y\",\"amount\":1}"), Raw("legacy.thing", "{}")]);

        var act = () => provider.GetRequiredService<IEventStreams>().ReadStreamAsync("legacy-1").ToListAsync();

        var ex = (await act.Should().ThrowAsync<UnknownEventTypeException>()).Which;
        ex.StreamId.Should().Be("legacy-1");
        ex.StreamVersion.Should().Be(2);
        ex.Position.Should().Be(3);
        ex.EventType.Should().Be("legacy.thing");
        ex.Message.Should().Contain("'legacy-1'").And.Contain("position 3").And.Contain("legacy.thing");
    }

    [Fact]
    public async Task ReadAllAsync_UnknownTypeWithSkip_LeavesItOutReportsAndLogsIt()
    {
        var reported = new List<EventRecord>();
        var logs = new ListLoggerProvider();
        await using var provider = StoreFixture.Build(
            options: o =>
            {
                o.UnknownEventTypes = UnknownEventTypeHandling.Skip;
                o.OnUnknownEventType = args => reported.Add(args.Record);
            },
            services: s => s.AddLogging(b => b.AddProvider(logs)));
        var store = provider.GetRequiredService<IEventStore>();
        await store.AppendAsync("legacy-1", ExpectedVersion.Any, [Raw("legacy.thing", "{}"), Raw("order.shipped", "{\"orderId\":\"z\"}")]);

        var events = await provider.GetRequiredService<IEventStreams>().ReadAllAsync().ToListAsync();

        events.Select(e => e.Event.Payload).Should().Equal(new OrderShipped("z"));
        reported.Should().ContainSingle().Which.EventType.Should().Be("legacy.thing");
        logs.Entries.Should().Contain(e => e.Id.Id == 200 && e.Message.Contains("legacy-1") && e.Message.Contains("legacy.thing"));
    }

    [Fact]
    public async Task ReadStreamAsync_TypeNameMatchingAClrType_IsNeverResolvedOutsideTheRegistry()
    {
        await using var provider = StoreFixture.Build();
        var store = provider.GetRequiredService<IEventStore>();
        await store.AppendAsync("s-1", ExpectedVersion.Any, [Raw("system.io.fileinfo", "{\"originalPath\":\"/etc/passwd\"}")]);

        var act = () => provider.GetRequiredService<IEventStreams>().ReadStreamAsync("s-1").ToListAsync();

        await act.Should().ThrowAsync<UnknownEventTypeException>();
    }

    [Fact]
    public async Task AppendAsync_SourceGeneratedContext_RoundTripsWithoutReflectionMetadata()
    {
        await using var provider = StoreFixture.Build(options: o => o.JsonSerializerOptions = new JsonSerializerOptions { TypeInfoResolver = StoreJsonContext.Default });
        var streams = provider.GetRequiredService<IEventStreams>();

        await streams.AppendAsync("order-A4", ExpectedVersion.Any, [new OrderPlaced("A4", 1.5m)]);
        var notInContext = () => streams.AppendAsync("order-A4", ExpectedVersion.Any, [new OrderShipped("A4")]).AsTask();

        (await streams.ReadStreamAsync("order-A4").ToListAsync()).Single().Event.Payload.Should().Be(new OrderPlaced("A4", 1.5m));
        await notInContext.Should().ThrowAsync<NotSupportedException>();
    }

    [Fact]
    public async Task AppendAsync_PlainJsonSerializerOptions_GetDefaultMetadata()
    {
        await using var provider = StoreFixture.Build(options: o => o.JsonSerializerOptions = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower });
        var streams = provider.GetRequiredService<IEventStreams>();

        await streams.AppendAsync("order-A5", ExpectedVersion.Any, [new OrderPlaced("A5", 2m)]);

        var record = (await provider.GetRequiredService<IEventStore>().ReadStreamAsync("order-A5").ToListAsync()).Single();
        Encoding.UTF8.GetString(record.Data.Span).Should().Be("{\"order_id\":\"A5\",\"amount\":2}");
        (await streams.ReadStreamAsync("order-A5").ToListAsync()).Single().Event.Payload.Should().Be(new OrderPlaced("A5", 2m));
    }

    [Fact]
    public async Task SubscribeToAllAsync_Typed_DeliversHistoryThenLiveFilteredEvents()
    {
        await using var provider = StoreFixture.Build();
        var streams = provider.GetRequiredService<IEventStreams>();
        await streams.AppendAsync("order-1", ExpectedVersion.Any, [new OrderPlaced("1"), new Deposited(5m)]);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        await using var subscription = streams.SubscribeToAllAsync(0, TopicPattern.Parse("order.#"), cts.Token).GetAsyncEnumerator();
        (await subscription.MoveNextAsync()).Should().BeTrue();
        var first = subscription.Current;
        var live = subscription.MoveNextAsync().AsTask();
        await streams.AppendAsync("order-1", ExpectedVersion.Any, [new Deposited(1m), new OrderShipped("1")]);

        (await live.WaitAsync(cts.Token)).Should().BeTrue();
        first.Event.Payload.Should().Be(new OrderPlaced("1"));
        subscription.Current.Event.Payload.Should().Be(new OrderShipped("1"));
        subscription.Current.Position.Should().Be(4);
    }

    [Fact]
    public async Task AppendAsync_FromInsideABusHandler_CarriesCorrelationAndCausation()
    {
        await using var provider = StoreFixture.Build(options: o => o.PublishToBus = false);
        var bus = provider.GetRequiredService<IEventBus>();
        var streams = provider.GetRequiredService<IEventStreams>();
        var appended = new Recorder<AppendResult>();
        bus.Subscribe<PaymentProcessed>(async (e, ct) => appended.Add(await streams.AppendAsync("order-9", ExpectedVersion.Any, [new OrderShipped(e.Payload.OrderId)], ct)));

        await bus.PublishAsync(new Event<PaymentProcessed>("payment.processed", new PaymentProcessed("9")) { Id = "pay-1", CorrelationId = "flow-1" });
        await appended.WaitForAsync(1);

        var stored = (await streams.ReadStreamAsync("order-9").ToListAsync()).Single().Event;
        stored.CorrelationId.Should().Be("flow-1");
        stored.CausationId.Should().Be("pay-1");
    }

    private static EventData Raw(string type, string json) => new(Guid.NewGuid().ToString(), type, Encoding.UTF8.GetBytes(json));
}
