namespace EventBus;

/// <summary>An AMQP topic-style pattern over event types: <c>*</c> matches exactly one segment, <c>#</c> zero or more.</summary>
/// <remarks>
/// The syntax is the one RabbitMQ topic exchanges use, so a pattern matches the same events in process and on a
/// broker. <c>order.*</c> matches <c>order.placed</c> but not <c>order.item.added</c>; <c>order.#</c> matches both;
/// <c>#</c> alone matches every event. Matching is case-sensitive and patterns, like type names, are lowercase.
/// Every event type has at least two segments, so a pattern without <c>#</c> needs at least two segments too:
/// <see cref="Parse"/> rejects <c>*</c> and a single name such as <c>order</c>, which could never match.
/// </remarks>
public sealed class TopicPattern : IEquatable<TopicPattern>
{
    private const string SingleWildcard = "*";
    private const string MultiWildcard = "#";

    private readonly string[] _segments;

    private TopicPattern(string value, string[] segments)
    {
        Value = value;
        _segments = segments;
        IsExact = !segments.Any(static s => s is SingleWildcard or MultiWildcard);
    }

    /// <summary>Gets the pattern as written.</summary>
    public string Value { get; }

    /// <summary>Gets a value indicating whether the pattern has no wildcard and so matches one type only.</summary>
    public bool IsExact { get; }

    /// <summary>Parses and validates a pattern.</summary>
    /// <param name="pattern">The pattern, for example <c>order.*</c> or <c>#.failed</c>.</param>
    /// <returns>The parsed pattern.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="pattern"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The pattern is invalid, or can never match an event type (one segment
    /// other than <c>#</c>, such as <c>*</c> or <c>order</c>); the message names it and the position of the
    /// problem.</exception>
    public static TopicPattern Parse(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        if (pattern.Length == 0)
        {
            throw Invalid(pattern, 0, "the pattern is empty (use '#' to match every event)");
        }

        if (pattern.Length > EventTypeName.MaxLength)
        {
            throw Invalid(pattern, EventTypeName.MaxLength, $"the pattern is longer than {EventTypeName.MaxLength} characters");
        }

        var segments = pattern.Split('.');
        var position = 0;
        foreach (var segment in segments)
        {
            ValidateSegment(pattern, segment, position);
            position += segment.Length + 1;
        }

        // Without '#' a pattern matches exactly as many segments as it has, and every type has at least two.
        if (segments.Length == 1 && segments[0] != MultiWildcard)
        {
            throw NeverMatches(pattern, segments[0]);
        }

        return new TopicPattern(pattern, segments);
    }

    /// <summary>Creates a pattern that matches exactly one event type.</summary>
    /// <param name="eventType">A valid event type name.</param>
    /// <returns>The exact pattern.</returns>
    /// <exception cref="ArgumentException"><paramref name="eventType"/> is not a valid event type name.</exception>
    public static TopicPattern Exact(string eventType)
    {
        EventTypeName.Validate(eventType, nameof(eventType));
        return new TopicPattern(eventType, eventType.Split('.'));
    }

    /// <summary>Determines whether an event type matches this pattern.</summary>
    /// <param name="eventType">The event type name.</param>
    /// <returns><see langword="true"/> if the type matches; otherwise, <see langword="false"/>.</returns>
    public bool IsMatch(string eventType)
    {
        ArgumentNullException.ThrowIfNull(eventType);
        if (IsExact)
        {
            return string.Equals(Value, eventType, StringComparison.Ordinal);
        }

        var type = eventType.Split('.');

        // reachable[t]: the pattern prefix processed so far can consume exactly the first t type segments.
        // A table instead of backtracking keeps '#.#.#…' patterns linear in the type length.
        Span<bool> reachable = stackalloc bool[type.Length + 1];
        Span<bool> next = stackalloc bool[type.Length + 1];
        reachable[0] = true;
        foreach (var segment in _segments)
        {
            next.Clear();
            if (segment == MultiWildcard)
            {
                var any = false;
                for (var t = 0; t <= type.Length; t++)
                {
                    any |= reachable[t];
                    next[t] = any;
                }
            }
            else
            {
                for (var t = 0; t < type.Length; t++)
                {
                    if (reachable[t] && (segment == SingleWildcard || string.Equals(segment, type[t], StringComparison.Ordinal)))
                    {
                        next[t + 1] = true;
                    }
                }
            }

            next.CopyTo(reachable);
        }

        return reachable[type.Length];
    }

    /// <inheritdoc />
    public bool Equals(TopicPattern? other) => other is not null && string.Equals(Value, other.Value, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as TopicPattern);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Value);

    /// <inheritdoc />
    public override string ToString() => Value;

    private static void ValidateSegment(string pattern, string segment, int position)
    {
        if (segment.Length == 0)
        {
            throw Invalid(pattern, position, "empty segment");
        }

        if (segment is SingleWildcard or MultiWildcard)
        {
            return;
        }

        for (var i = 0; i < segment.Length; i++)
        {
            var c = segment[i];
            if (c is '*' or '#')
            {
                throw Invalid(pattern, position + i, $"'{c}' must stand alone as a whole segment");
            }

            if (i == 0 && c is not (>= 'a' and <= 'z'))
            {
                throw Invalid(pattern, position, $"a segment must start with a lowercase letter or be a wildcard, found '{c}'");
            }

            if (!EventTypeName.IsSegmentChar(c))
            {
                throw Invalid(pattern, position + i, $"character '{c}' is not allowed (lowercase letters, digits, '-', '_', '*' and '#' only)");
            }
        }
    }

    private static ArgumentException NeverMatches(string pattern, string segment)
    {
        var instead = segment == SingleWildcard
            ? "use '#' to match every event"
            : $"use '{segment}.#' or '{segment}.*' for the events named under '{segment}', or '#' to match every event";
        return new ArgumentException(
            $"Topic pattern '{pattern}' is invalid at position {pattern.Length}: it can never match, because every event type has at least two segments (such as 'order.placed'); {instead}.",
            nameof(pattern));
    }

    private static ArgumentException Invalid(string pattern, int position, string reason) =>
        new($"Topic pattern '{pattern}' is invalid at position {position}: {reason}.", "pattern");
}
