namespace EventBus.Tests.Events;

public class EventTests
{
    [Fact]
    public void Constructor_Defaults_FollowCloudEventsAndSeed()
    {
        var @event = new Event("order.placed", 42);

        Guid.TryParse(@event.Id, out var id).Should().BeTrue();
        id.Version.Should().Be(7, "ids are time-ordered UUIDv7 strings by default");
        @event.Priority.Should().Be(EventPriority.Normal);
        @event.DataVersion.Should().Be("1.0");
        @event.SpecVersion.Should().Be("1.0");
        @event.Headers.Should().BeEmpty();
        @event.Time.Should().Be(default, "the bus stamps the time from its TimeProvider on publish");
    }

    [Fact]
    public void PriorityValues_MatchTheSeed()
    {
        ((int)EventPriority.Low).Should().Be(1);
        ((int)EventPriority.Normal).Should().Be(5);
        ((int)EventPriority.High).Should().Be(10);
    }

    [Fact]
    public void Constructor_InvalidType_ThrowsNamingValueAndPosition()
    {
        var act = () => new Event("Order.placed");

        act.Should().Throw<ArgumentException>().WithMessage("*'Order.placed'*position 0*");
    }

    [Fact]
    public void Init_InvalidType_Throws()
    {
        var @event = new Event("order.placed");

        var act = () => @event with { Type = "order..placed" };

        act.Should().Throw<ArgumentException>().WithMessage("*'order..placed'*position 6*empty segment*");
    }

    [Fact]
    public void Init_UndefinedPriority_Throws()
    {
        var act = () => new Event("order.placed") { Priority = (EventPriority)7 };

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*Low (1), Normal (5) or High (10)*");
    }

    [Fact]
    public void Init_EmptyId_Throws()
    {
        var act = () => new Event("order.placed") { Id = " " };

        act.Should().Throw<ArgumentException>();
    }

    [Fact]
    public void With_KeepsTypedPayloadAndIsImmutable()
    {
        var original = new Event<int>("counter.incremented", 1) { Subject = "c-1" };

        var changed = original with { Priority = EventPriority.High };

        changed.Should().BeOfType<Event<int>>();
        changed.Payload.Should().Be(1);
        original.Priority.Should().Be(EventPriority.Normal);
        changed.Subject.Should().Be("c-1");
    }

    [Fact]
    public void From_UntypedEnvelopeWithMatchingPayload_KeepsEveryAttribute()
    {
        var untyped = new Event("counter.incremented", 5)
        {
            Subject = "c-1",
            CorrelationId = "corr",
            CausationId = "cause",
            Priority = EventPriority.Low,
            DataVersion = "2.0",
            Headers = new Dictionary<string, string> { ["tenant"] = "t1" },
        };

        var typed = Event<int>.From(untyped);

        typed.Payload.Should().Be(5);
        typed.Should().BeEquivalentTo(untyped, o => o.Excluding(e => e.Payload));
    }

    [Fact]
    public void From_PayloadOfAnotherType_Throws()
    {
        var act = () => Event<int>.From(new Event("counter.incremented", "five"));

        act.Should().Throw<InvalidCastException>().WithMessage("*String*Int32*");
    }

    [Fact]
    public void Id_ReadTwice_IsTheSameStringEachTime()
    {
        var @event = new Event("order.placed", 42);

        var first = @event.Id;

        @event.Id.Should().BeSameAs(first, "the id is formatted once and kept");
    }

    [Fact]
    public void Equals_OneCopyWithItsIdFormattedAndOneWithout_AreEqual()
    {
        var original = new Event("order.placed", 42);
        var copy = original with { Subject = null };

        _ = original.Id;

        copy.Should().Be(original);
        copy.GetHashCode().Should().Be(original.GetHashCode());
        (copy with { Subject = "other" }).Should().NotBe(original);
        (copy with { Id = "another-id" }).Should().NotBe(original);
    }

    [Fact]
    public void With_NewIdOnASelfCorrelatedEvent_KeepsTheOriginalIdAsCorrelation()
    {
        var root = new Event("order.placed", 42) { CorrelatesToSelf = true };
        var originalId = root.Id;

        var copy = root with { Id = "copy-1" };

        root.CorrelationId.Should().Be(originalId);
        copy.Id.Should().Be("copy-1");
        copy.CorrelationId.Should().Be(originalId, "a copy keeps the correlation it was made with");
    }

    [Fact]
    public void CorrelationId_SetExplicitly_WinsOverSelfCorrelation()
    {
        var @event = new Event("order.placed", 42) { CorrelatesToSelf = true, CorrelationId = "flow-1" };

        @event.CorrelationId.Should().Be("flow-1");
        (@event with { CorrelationId = null }).CorrelationId.Should().BeNull();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(330)]
    [InlineData(-720)]
    [InlineData(840)]
    public void Time_WithAnyOffset_ReadsBackExactly(int offsetMinutes)
    {
        var time = new DateTimeOffset(2026, 12, 2, 4, 30, 15, TimeSpan.FromMinutes(offsetMinutes)).AddTicks(1234567);

        var @event = new Event("order.placed") { Time = time };

        @event.Time.Should().Be(time);
        @event.Time.Offset.Should().Be(time.Offset);
        @event.Time.Ticks.Should().Be(time.Ticks);
        new Event("order.placed").Time.Should().Be(default(DateTimeOffset));
    }

    [Fact]
    public void With_RareAttributeChangedOnACopy_LeavesTheOriginalAsItWas()
    {
        var headers = new Dictionary<string, string> { ["tenant"] = "t-1" };
        var original = new Event("order.placed") { DataContentType = "application/json", Headers = headers };

        var copy = original with { TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", DataVersion = "2.0" };

        original.TraceParent.Should().BeNull();
        original.DataVersion.Should().Be(Event.DefaultDataVersion);
        original.DataContentType.Should().Be("application/json");
        copy.DataContentType.Should().Be("application/json");
        copy.Headers.Should().BeSameAs(headers);
        copy.DataVersion.Should().Be("2.0");
        copy.Should().NotBe(original);
        (copy with { TraceParent = null, DataVersion = Event.DefaultDataVersion }).Should().Be(original);
    }

    [Fact]
    public void Envelope_WithDefaultRareAttributes_IsAtMost112Bytes()
    {
        // What publishing a payload allocates, and what stays queued until it is handled: kept small on purpose.
        var payload = new object();
        _ = new Event<object>("order.placed", payload);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var @event = new Event<object>("order.placed", payload) { Time = DateTimeOffset.UnixEpoch, Source = "/orders", Subject = "o-1" };
        var bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        GC.KeepAlive(@event);

        bytes.Should().BeLessThanOrEqualTo(112);
    }
}
