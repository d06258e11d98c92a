using System.Diagnostics.CodeAnalysis;

namespace EventBus;

/// <summary>Validates event type names: lowercase, dot-separated, namespaced (<c>order.placed</c>).</summary>
public static class EventTypeName
{
    /// <summary>The maximum length of an event type name.</summary>
    public const int MaxLength = 255;

    /// <summary>Throws when <paramref name="name"/> is not a valid event type name.</summary>
    /// <param name="name">The candidate name.</param>
    /// <param name="paramName">The parameter name reported in the exception.</param>
    /// <returns><paramref name="name"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The name is empty, too long, has an empty or invalid segment, or fewer
    /// than two segments; the message names the value and the position of the problem.</exception>
    public static string Validate([NotNull] string? name, string? paramName = null)
    {
        ArgumentNullException.ThrowIfNull(name, paramName);
        if (TryFindError(name, out var position, out var reason))
        {
            throw new ArgumentException(
                $"Event type '{name}' is invalid at position {position}: {reason}. Use lowercase dot-separated segments such as 'order.placed'.",
                paramName);
        }

        return name;
    }

    /// <summary>Determines whether <paramref name="name"/> is a valid event type name.</summary>
    /// <param name="name">The candidate name.</param>
    /// <returns><see langword="true"/> if the name is valid; otherwise, <see langword="false"/>.</returns>
    public static bool IsValid([NotNullWhen(true)] string? name) => name is not null && !TryFindError(name, out _, out _);

    internal static bool IsSegmentChar(char c) => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_';

    private static bool TryFindError(string name, out int position, out string reason)
    {
        if (name.Length == 0)
        {
            (position, reason) = (0, "the name is empty");
            return true;
        }

        if (name.Length > MaxLength)
        {
            (position, reason) = (MaxLength, $"the name is longer than {MaxLength} characters");
            return true;
        }

        var segments = 1;
        var segmentStart = 0;
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (c == '.')
            {
                if (i == segmentStart)
                {
                    (position, reason) = (i, "empty segment");
                    return true;
                }

                segments++;
                segmentStart = i + 1;
                continue;
            }

            if (i == segmentStart && c is not (>= 'a' and <= 'z'))
            {
                (position, reason) = (i, $"a segment must start with a lowercase letter, found '{c}'");
                return true;
            }

            if (!IsSegmentChar(c))
            {
                (position, reason) = (i, $"character '{c}' is not allowed (lowercase letters, digits, '-' and '_' only)");
                return true;
            }
        }

        if (segmentStart == name.Length)
        {
            (position, reason) = (name.Length, "empty segment");
            return true;
        }

        if (segments < 2)
        {
            (position, reason) = (name.Length, "a type needs a namespace and a name, such as 'order.placed'");
            return true;
        }

        (position, reason) = (-1, string.Empty);
        return false;
    }
}
