using System.Diagnostics.CodeAnalysis;

namespace EventBus;

/// <summary>Validates stream ids. Every event store accepts exactly the ids this class accepts and stores them
/// verbatim (ordinal, case-sensitive).</summary>
/// <remarks>
/// A stream id is 1 to <see cref="MaxLength"/> UTF-16 characters, not only white space, with no NUL character and
/// no unpaired surrogate (so it survives any SQL text column), and does not start with <c>$</c>, which is reserved
/// for system streams such as <see cref="All"/>. Quotes, <c>;--</c>, spaces and any other Unicode text are fine.
/// </remarks>
public static class StreamId
{
    /// <summary>The maximum length of a stream id, in UTF-16 characters.</summary>
    public const int MaxLength = 255;

    /// <summary>The name of the global log, which holds every event of every stream in commit order.</summary>
    public const string All = "$all";

    /// <summary>Throws when <paramref name="streamId"/> is not a valid stream id.</summary>
    /// <param name="streamId">The candidate id.</param>
    /// <param name="paramName">The parameter name reported in the exception.</param>
    /// <returns><paramref name="streamId"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="streamId"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The id is empty, blank, too long, contains NUL or an unpaired surrogate,
    /// or starts with <c>$</c>; the message names the value and the problem.</exception>
    public static string Validate([NotNull] string? streamId, string? paramName = "streamId")
    {
        ArgumentNullException.ThrowIfNull(streamId, paramName);
        if (FindError(streamId) is { } reason)
        {
            var shown = streamId.Length > 64 ? string.Concat(streamId.AsSpan(0, 64), "…") : streamId;
            throw new ArgumentException($"Stream id '{shown.Replace("\0", "\\0", StringComparison.Ordinal)}' is invalid: {reason}.", paramName);
        }

        return streamId;
    }

    /// <summary>Determines whether <paramref name="streamId"/> is a valid stream id.</summary>
    /// <param name="streamId">The candidate id.</param>
    /// <returns><see langword="true"/> if the id is valid; otherwise, <see langword="false"/>.</returns>
    public static bool IsValid([NotNullWhen(true)] string? streamId) => streamId is not null && FindError(streamId) is null;

    private static string? FindError(string streamId)
    {
        if (streamId.Length == 0)
        {
            return "it is empty";
        }

        if (streamId.Length > MaxLength)
        {
            return $"it is {streamId.Length} characters long; the maximum is {MaxLength}";
        }

        if (string.IsNullOrWhiteSpace(streamId))
        {
            return "it is only white space";
        }

        if (streamId[0] == '$')
        {
            return "ids starting with '$' are reserved for system streams";
        }

        for (var i = 0; i < streamId.Length; i++)
        {
            var c = streamId[i];
            if (c == '\0')
            {
                return $"it contains a NUL character at position {i}";
            }

            if (char.IsHighSurrogate(c) && i + 1 < streamId.Length && char.IsLowSurrogate(streamId[i + 1]))
            {
                i++;
                continue;
            }

            if (char.IsSurrogate(c))
            {
                return $"it contains an unpaired surrogate at position {i}";
            }
        }

        return null;
    }
}
