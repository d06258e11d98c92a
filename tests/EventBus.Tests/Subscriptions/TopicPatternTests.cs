using CsCheck;

namespace EventBus.Tests.Subscriptions;

public class TopicPatternTests
{
    [Theory]
    [InlineData("order.*", "order.placed", true)]
    [InlineData("order.*", "order.item.added", false)]
    [InlineData("order.*", "payment.placed", false)]
    [InlineData("order.#", "order.placed", true)]
    [InlineData("order.#", "order.item.added", true)]
    [InlineData("order.#", "orders.placed", false)]
    [InlineData("#", "order.placed", true)]
    [InlineData("#", "a.b.c.d.e", true)]
    [InlineData("*.placed", "order.placed", true)]
    [InlineData("*.placed", "order.item.placed", false)]
    [InlineData("#.placed", "order.item.placed", true)]
    [InlineData("#.placed", "order.placed.again", false)]
    [InlineData("order.#.added", "order.added", true)]
    [InlineData("order.#.added", "order.x.added", true)]
    [InlineData("order.#.added", "order.x.y.added", true)]
    [InlineData("#.#", "order.placed", true)]
    [InlineData("*.*", "order.placed", true)]
    [InlineData("*.*.*", "order.placed", false)]
    [InlineData("order.*.#", "order.placed", true)]
    [InlineData("order.placed", "order.placed", true)]
    [InlineData("order.placed", "order.placedx", false)]
    [InlineData("order.*", "Order.placed", false)]
    public void IsMatch_AmqpTopicSemantics(string pattern, string type, bool expected) =>
        TopicPattern.Parse(pattern).IsMatch(type).Should().Be(expected);

    [Theory]
    [InlineData("", 0, "empty")]
    [InlineData("order..placed", 6, "empty segment")]
    [InlineData("order.", 6, "empty segment")]
    [InlineData(".order", 0, "empty segment")]
    [InlineData("order.pla*", 9, "'*' must stand alone")]
    [InlineData("order.#x", 6, "'#' must stand alone")]
    [InlineData("Order.*", 0, "lowercase")]
    [InlineData("order.$", 6, "lowercase letter or be a wildcard")]
    [InlineData("order.a$", 7, "'$' is not allowed")]
    public void Parse_Invalid_ThrowsNamingPatternAndPosition(string pattern, int position, string reason)
    {
        var act = () => TopicPattern.Parse(pattern);

        act.Should().Throw<ArgumentException>().WithMessage($"*'{pattern}'*position {position}*{reason}*");
    }

    [Fact]
    public void IsExact_OnlyWithoutWildcards()
    {
        TopicPattern.Parse("order.placed").IsExact.Should().BeTrue();
        TopicPattern.Parse("order.*").IsExact.Should().BeFalse();
        TopicPattern.Exact("order.placed").Should().Be(TopicPattern.Parse("order.placed"));
    }

    [Fact]
    public void IsMatch_ManyHashes_StaysLinear()
    {
        var pattern = TopicPattern.Parse(string.Join('.', Enumerable.Repeat("#", 60)) + ".z");
        var type = string.Join('.', Enumerable.Repeat("a", 120));

        pattern.IsMatch(type).Should().BeFalse();
    }

    private static readonly Gen<string> Segment = Gen.Char['a', 'c'].Array[1, 2].Select(c => new string(c));
    private static readonly Gen<string> TypeName = Segment.Array[2, 5].Select(s => string.Join('.', s));

    [Fact]
    public void Property_HashMatchesEverything_AndExactMatchesOnlyItself()
    {
        TypeName.Select(TypeName).Sample((a, b) =>
        {
            TopicPattern.Parse("#").IsMatch(a).Should().BeTrue();
            TopicPattern.Exact(a).IsMatch(b).Should().Be(a == b);
        });
    }

    [Fact]
    public void Property_StarPerSegment_MatchesExactlyTypesWithThatManySegments()
    {
        TypeName.Select(Gen.Int[1, 6]).Sample((type, stars) =>
        {
            var pattern = TopicPattern.Parse(string.Join('.', Enumerable.Repeat("*", stars)));
            pattern.IsMatch(type).Should().Be(type.Split('.').Length == stars);
        });
    }

    [Fact]
    public void Property_PrefixHash_MatchesTypesStartingWithPrefix()
    {
        TypeName.Select(TypeName).Sample((prefixSource, type) =>
        {
            var prefix = prefixSource.Split('.')[0];
            TopicPattern.Parse(prefix + ".#").IsMatch(type).Should().Be(type.Split('.')[0] == prefix);
        });
    }
}
