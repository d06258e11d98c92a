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
}
