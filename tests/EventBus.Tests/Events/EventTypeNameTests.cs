namespace EventBus.Tests.Events;

public class EventTypeNameTests
{
    [Theory]
    [InlineData("order.placed")]
    [InlineData("com.example.order.placed")]
    [InlineData("order.item-added")]
    [InlineData("order.item_added")]
    [InlineData("v2.order.placed2")]
    public void IsValid_NamespacedLowercaseSegments_True(string name) => EventTypeName.IsValid(name).Should().BeTrue();

    [Theory]
    [InlineData("", 0, "empty")]
    [InlineData("order", 5, "namespace and a name")]
    [InlineData("Order.placed", 0, "lowercase letter")]
    [InlineData("order.Placed", 6, "lowercase letter")]
    [InlineData("order..placed", 6, "empty segment")]
    [InlineData(".order.placed", 0, "empty segment")]
    [InlineData("order.placed.", 13, "empty segment")]
    [InlineData("order.pla ced", 9, "' '")]
    [InlineData("order.*", 6, "'*'")]
    [InlineData("order.1placed", 6, "lowercase letter")]
    public void Validate_Invalid_ThrowsWithValueAndPosition(string name, int position, string reason)
    {
        var act = () => EventTypeName.Validate(name, "type");

        act.Should().Throw<ArgumentException>()
            .WithMessage($"*'{name}'*position {position}*{reason}*")
            .Which.ParamName.Should().Be("type");
    }

    [Fact]
    public void Validate_TooLong_Throws()
    {
        var name = "a." + new string('b', EventTypeName.MaxLength);

        var act = () => EventTypeName.Validate(name);

        act.Should().Throw<ArgumentException>().WithMessage("*longer than 255*");
    }

    [Fact]
    public void Validate_Null_ThrowsArgumentNull()
    {
        var act = () => EventTypeName.Validate(null);

        act.Should().Throw<ArgumentNullException>();
    }
}
