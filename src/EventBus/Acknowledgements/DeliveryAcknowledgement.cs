namespace EventBus;

/// <summary>The outcome of one event at one subscription, as told to the event's origin.</summary>
/// <param name="SubscriptionName">The subscription.</param>
/// <param name="Status">How the delivery ended.</param>
/// <param name="Reason">Why the event was dead-lettered, when <paramref name="Status"/> is
/// <see cref="DeliveryStatus.DeadLettered"/> or <see cref="DeliveryStatus.Interrupted"/>.</param>
public sealed record DeliveryAcknowledgement(string SubscriptionName, DeliveryStatus Status, DeadLetterReason? Reason = null)
{
    /// <summary>Gets a value indicating whether the delivery is finished for good: true unless the bus stopped first
    /// (<see cref="DeliveryStatus.Interrupted"/>), in which case a durable origin must deliver the event again.</summary>
    public bool IsFinal => Status != DeliveryStatus.Interrupted;
}
