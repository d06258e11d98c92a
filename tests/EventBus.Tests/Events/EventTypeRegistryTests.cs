using EventBus.Tests.TestSupport;

namespace EventBus.Tests.Events;

public class EventTypeRegistryTests
{
    [Fact]
    public void GetTypeName_Attributed_UsesAttribute()
    {
        var registry = new EventTypeRegistry([]);

        registry.GetTypeName<OrderPlaced>().Should().Be("order.placed");
        registry.TryGetPayloadType("order.placed", out var type).Should().BeTrue();
        type.Should().Be<OrderPlaced>();
    }

    [Fact]
    public void GetTypeName_Registered_UsesRegistration()
    {
        var registry = new EventTypeRegistry([new EventTypeRegistration(typeof(NotAttributed), "test.not-attributed")]);

        registry.GetTypeName<NotAttributed>().Should().Be("test.not-attributed");
        registry.TypeNames.Should().Contain("test.not-attributed");
    }

    [Fact]
    public void GetTypeName_NeitherAttributedNorRegistered_ThrowsWithGuidance()
    {
        var registry = new EventTypeRegistry([]);

        var act = () => registry.GetTypeName<NotAttributed>();

        act.Should().Throw<InvalidOperationException>().WithMessage("*NotAttributed*[EventType*AddEventType<NotAttributed>*");
    }

    [Fact]
    public void TryGetPayloadType_UnknownName_FalseEvenIfAClrTypeHasThatName()
    {
        var registry = new EventTypeRegistry([]);

        registry.TryGetPayloadType("system.string", out _).Should().BeFalse("names never resolve to CLR types by themselves");
    }

    [Fact]
    public void Register_SameNameForAnotherType_Throws()
    {
        var registry = new EventTypeRegistry([]);
        registry.Register(typeof(OrderPlaced), "order.placed");

        var act = () => registry.Register(typeof(NotAttributed), "order.placed");

        act.Should().Throw<ArgumentException>().WithMessage("*'order.placed' is already registered*");
    }

    [Fact]
    public void Register_TypeUnderSecondName_Throws()
    {
        var registry = new EventTypeRegistry([]);
        registry.Register(typeof(NotAttributed), "test.first");

        var act = () => registry.Register(typeof(NotAttributed), "test.second");

        act.Should().Throw<ArgumentException>().WithMessage("*already registered as 'test.first'*");
    }
}
