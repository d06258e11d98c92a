namespace EventBus;

/// <summary>Thrown to a publisher when a subscription with <see cref="OverflowPolicy.Fail"/> is full.</summary>
/// <remarks>A publish is all or nothing: when it throws this, no subscription accepted the event.</remarks>
public sealed class SubscriptionOverflowException : InvalidOperationException
{
    /// <summary>Initializes a new instance of the <see cref="SubscriptionOverflowException"/> class.</summary>
    public SubscriptionOverflowException()
        : base("A subscription queue is full.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="SubscriptionOverflowException"/> class.</summary>
    /// <param name="message">The message.</param>
    public SubscriptionOverflowException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="SubscriptionOverflowException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public SubscriptionOverflowException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="SubscriptionOverflowException"/> class.</summary>
    /// <param name="subscriptionName">The full subscription.</param>
    /// <param name="capacity">Its capacity per priority lane.</param>
    public SubscriptionOverflowException(string subscriptionName, int capacity)
        : this(subscriptionName, capacity, reentrant: false)
    {
    }

    /// <summary>Initializes a new instance for a handler that published into its own full subscription, whose worker
    /// cannot make room while it runs that handler.</summary>
    internal SubscriptionOverflowException(string subscriptionName, int capacity, bool reentrant)
        : base(reentrant
            ? $"Subscription '{subscriptionName}' is full ({capacity} queued events) and the publish comes from its own handler: waiting for room would deadlock, because only this handler's worker can make it. Raise the capacity, publish from outside the handler, or choose another overflow policy."
            : $"Subscription '{subscriptionName}' is full ({capacity} queued events) and its overflow policy is Fail. Raise its capacity, choose another policy, or publish more slowly.")
    {
        SubscriptionName = subscriptionName;
        Capacity = capacity;
    }

    /// <summary>Gets the name of the full subscription.</summary>
    public string? SubscriptionName { get; }

    /// <summary>Gets the capacity of the full subscription.</summary>
    public int Capacity { get; }
}
