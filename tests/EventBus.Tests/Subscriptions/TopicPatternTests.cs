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

    [Theory]
    [InlineData("*")]
    [InlineData("order")]
    [InlineData("a1")]
    public void Parse_OneSegmentOtherThanHash_ThrowsBecauseItCanNeverMatch(string pattern)
    {
        var act = () => TopicPattern.Parse(pattern);

        act.Should().Throw<ArgumentException>()
            .WithMessage($"*'{pattern}'*can never match*at least two segments*'#' to match every event*")
            .And.ParamName.Should().Be("pattern");
    }

    [Fact]
    public void Parse_OneLiteralSegment_SuggestsPatternsUnderThatName()
    {
        var act = () => TopicPattern.Parse("order");

        act.Should().Throw<ArgumentException>().WithMessage("*'order.#' or 'order.*'*");
    }

    [Fact]
    public void Property_EveryAcceptedPattern_MatchesSomeValidEventType()
    {
        // Patterns over 'a', '*' and '#': a rejected one is a single segment other than '#'; an accepted one matches a
        // valid event type built from it.
        var patternSegment = Gen.OneOfConst("a", "*", "#");
        patternSegment.Array[1, 4].Sample(parts =>
        {
            var pattern = string.Join('.', parts);
            TopicPattern parsed;
            try
            {
                parsed = TopicPattern.Parse(pattern);
            }
            catch (ArgumentException)
            {
                parts.Should().ContainSingle().Which.Should().NotBe("#", "'#' alone matches every event");
                return;
            }

            var type = Witness(parts);
            EventTypeName.IsValid(type).Should().BeTrue($"'{type}' is the witness for '{pattern}'");
            parsed.IsMatch(type).Should().BeTrue($"'{pattern}' should match '{type}'");
        });
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
        TypeName.Select(Gen.Int[2, 6]).Sample((type, stars) =>
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

    /// <summary>The shortest valid-length type a pattern matches: '*' becomes 'x'; the first '#' stands for as many
    /// 'x' segments as the type needs to reach two, every other '#' for none.</summary>
    private static string Witness(string[] parts)
    {
        var missing = Math.Max(0, 2 - parts.Count(p => p != "#"));
        var segments = new List<string>();
        foreach (var part in parts)
        {
            if (part == "#")
            {
                segments.AddRange(Enumerable.Repeat("x", missing));
                missing = 0;
            }
            else
            {
                segments.Add(part == "*" ? "x" : part);
            }
        }

        return string.Join('.', segments);
    }
}
