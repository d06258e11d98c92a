namespace EventBus;

/// <summary>A due saga timeout that <see cref="ISagaStore.ClaimDueTimeoutsAsync"/> handed to one claimant.</summary>
public sealed record SagaTimeoutClaim
{
    /// <summary>Gets the name of the saga.</summary>
    public required string SagaName { get; init; }

    /// <summary>Gets the correlation key of the instance that scheduled the timeout.</summary>
    public required string CorrelationKey { get; init; }

    /// <summary>Gets the timeout.</summary>
    public required SagaTimeout Timeout { get; init; }

    /// <summary>Gets the claimant that holds the claim.</summary>
    public required string Claimant { get; init; }

    /// <summary>Gets when the claim lapses, so another claimant may take the timeout.</summary>
    public required DateTimeOffset ClaimedUntil { get; init; }
}
