namespace EventBus;

/// <summary>An event that left the normal delivery path, with why and how often it failed.</summary>
/// <remarks>A durable store may hold an entry it cannot read back: a stored event type that is not valid, JSON that
/// cannot be read, a reason this version does not know. Such an entry still comes back from
/// <see cref="IDeadLetterStore.QueryAsync"/>, never as a failed query: <see cref="ReadError"/> names the problem,
/// <see cref="RawEntry"/> holds what the store kept, and <see cref="Event"/> is a stand-in of type
/// <see cref="UnreadableEventType"/>. A redrive leaves it in the store; fix or delete it there.</remarks>
public sealed record DeadLetter
{
    /// <summary>The event type of the stand-in <see cref="Event"/> of an entry the store could not read.</summary>
    public const string UnreadableEventType = "eventbus.unreadable";

    /// <summary>Gets the id of this dead-letter entry (not the event id).</summary>
    public required string Id { get; init; }

    /// <summary>Gets the event, exactly as the subscription received it.</summary>
    public required Event Event { get; init; }

    /// <summary>Gets the name of the subscription the event was meant for.</summary>
    public required string SubscriptionName { get; init; }

    /// <summary>Gets why the event was dead-lettered.</summary>
    public required DeadLetterReason Reason { get; init; }

    /// <summary>Gets the full name of the last exception's type, if any.</summary>
    public string? ExceptionType { get; init; }

    /// <summary>Gets the last exception's message, if any.</summary>
    public string? ExceptionMessage { get; init; }

    /// <summary>Gets the last exception's stack trace, if any.</summary>
    public string? StackTrace { get; init; }

    /// <summary>Gets how many times delivery was attempted, across redrives.</summary>
    public int AttemptCount { get; init; }

    /// <summary>Gets when the event first failed.</summary>
    public DateTimeOffset FirstFailureTime { get; init; }

    /// <summary>Gets when the event last failed.</summary>
    public DateTimeOffset LastFailureTime { get; init; }

    /// <summary>Gets how many times the event was redriven and dead-lettered again.</summary>
    public int RedriveCount { get; init; }

    /// <summary>Gets the earlier failures of the event, oldest first, when it was redriven and failed again.</summary>
    public IReadOnlyList<DeadLetterFailure> PreviousFailures { get; init; } = [];

    /// <summary>Gets why the store could not read this entry back, naming the entry and the problem;
    /// <see langword="null"/> for an entry read in full.</summary>
    /// <remarks>When set, <see cref="Event"/> is a stand-in of type <see cref="UnreadableEventType"/> (with the stored
    /// event id when it could be read), <see cref="Reason"/> is the stored reason when this version knows it
    /// (otherwise <see cref="DeadLetterReason.HandlerFailed"/>), and the other properties hold what could be read.</remarks>
    public string? ReadError { get; init; }

    /// <summary>Gets the entry as the store kept it (for SQLite, its JSON document as UTF-8 text) when it could not be
    /// read; <see langword="null"/> for an entry read in full.</summary>
    public string? RawEntry { get; init; }
}
