namespace EventBus;

/// <summary>Filters for reading saga instances; every filter left <see langword="null"/> matches everything.</summary>
public sealed record SagaQuery
{
    /// <summary>Gets a query that matches every instance.</summary>
    public static SagaQuery All { get; } = new();

    /// <summary>Gets the saga name to match exactly.</summary>
    public string? SagaName { get; init; }

    /// <summary>Gets the correlation key to match exactly.</summary>
    public string? CorrelationKey { get; init; }

    /// <summary>Gets the status to match.</summary>
    public SagaStatus? Status { get; init; }
}
