namespace EventBus;

/// <summary>Filters for reading dead letters; every filter left <see langword="null"/> matches everything.</summary>
public sealed record DeadLetterQuery
{
    /// <summary>Gets a query that matches every dead letter.</summary>
    public static DeadLetterQuery All { get; } = new();

    /// <summary>Gets the subscription name to match exactly.</summary>
    public string? SubscriptionName { get; init; }

    /// <summary>Gets the reason to match.</summary>
    public DeadLetterReason? Reason { get; init; }

    /// <summary>Gets the correlation id to match exactly.</summary>
    public string? CorrelationId { get; init; }
}
