namespace EventBus;

/// <summary>What a subscription does when an event arrives while its queue is full.</summary>
public enum OverflowPolicy
{
    /// <summary>The publisher waits until the subscription has room (backpressure). The default.</summary>
    Wait,

    /// <summary>The oldest queued event of the lowest non-empty priority lane is dropped to make room; it goes to the
    /// dead letters with reason <see cref="DeadLetterReason.Overflow"/>.</summary>
    DropOldest,

    /// <summary>The incoming event is dropped for this subscription; it goes to the dead letters with reason
    /// <see cref="DeadLetterReason.Overflow"/>.</summary>
    DropNewest,

    /// <summary>The publisher gets a <see cref="SubscriptionOverflowException"/>.</summary>
    Fail,
}
