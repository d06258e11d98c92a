namespace EventBus;

public sealed partial class EventBusOptions
{
    /// <summary>Gets the default duplicate-suppression settings of every subscription.</summary>
    public IdempotencyOptions Idempotency { get; } = new();
}
