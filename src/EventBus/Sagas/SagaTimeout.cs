namespace EventBus;

/// <summary>A timeout a saga instance scheduled for itself: the event to publish and when.</summary>
/// <remarks>Timeouts are stored with the instance, so a store that outlives the process keeps them. A due timeout is
/// claimed from the store (<see cref="ISagaStore.ClaimDueTimeoutsAsync"/>) by one of the buses sharing it, which
/// publishes it.</remarks>
public sealed record SagaTimeout
{
    /// <summary>Gets the unique id of the timeout.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the name the saga gave the timeout; scheduling the same name again replaces it.</summary>
    public required string Name { get; init; }

    /// <summary>Gets when the timeout is due.</summary>
    public required DateTimeOffset DueTime { get; init; }

    /// <summary>Gets the event published when the timeout is due; it carries the correlation id of the flow and the
    /// id of the event that scheduled it as causation id.</summary>
    public required Event Event { get; init; }
}
