namespace EventBus;

/// <summary>An event that left the normal delivery path, with why and how often it failed.</summary>
public sealed record DeadLetter
{
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
}
