namespace EventBus;

/// <summary>Filters for reading dead letters; every filter left <see langword="null"/> matches everything.</summary>
public sealed record DeadLetterQuery
{
    /// <summary>Gets a query that matches every dead letter.</summary>
    public static DeadLetterQuery All { get; } = new();

    /// <summary>Gets the subscription name to match exactly.</summary>
    public string? SubscriptionName { get; init; }

    /// <summary>Gets the pattern the event type must match, such as <c>order.*</c>.</summary>
    public TopicPattern? EventType { get; init; }

    /// <summary>Gets the reason to match.</summary>
    public DeadLetterReason? Reason { get; init; }

    /// <summary>Gets the full name of the exception type to match exactly, such as <c>System.TimeoutException</c>.</summary>
    public string? ExceptionType { get; init; }

    /// <summary>Gets the correlation id to match exactly.</summary>
    public string? CorrelationId { get; init; }

    /// <summary>Gets the earliest <see cref="DeadLetter.LastFailureTime"/> to match (inclusive).</summary>
    public DateTimeOffset? FailedFrom { get; init; }

    /// <summary>Gets the time <see cref="DeadLetter.LastFailureTime"/> must be before (exclusive).</summary>
    public DateTimeOffset? FailedBefore { get; init; }

    /// <summary>Gets the most entries to return; <see langword="null"/> for all.</summary>
    /// <remarks>Applies to reading only; counting and deleting ignore it.</remarks>
    public int? Limit { get; init; }

    /// <summary>Determines whether a dead letter passes every filter of this query (<see cref="Limit"/> aside).</summary>
    /// <param name="deadLetter">The entry.</param>
    /// <returns><see langword="true"/> if the entry matches; otherwise, <see langword="false"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="deadLetter"/> is <see langword="null"/>.</exception>
    public bool IsMatch(DeadLetter deadLetter)
    {
        ArgumentNullException.ThrowIfNull(deadLetter);
        return (SubscriptionName is null || string.Equals(deadLetter.SubscriptionName, SubscriptionName, StringComparison.Ordinal))
            && (EventType is null || EventType.IsMatch(deadLetter.Event.Type))
            && (Reason is null || deadLetter.Reason == Reason)
            && (ExceptionType is null || string.Equals(deadLetter.ExceptionType, ExceptionType, StringComparison.Ordinal))
            && (CorrelationId is null || string.Equals(deadLetter.Event.CorrelationId, CorrelationId, StringComparison.Ordinal))
            && (FailedFrom is null || deadLetter.LastFailureTime >= FailedFrom)
            && (FailedBefore is null || deadLetter.LastFailureTime < FailedBefore);
    }
}
