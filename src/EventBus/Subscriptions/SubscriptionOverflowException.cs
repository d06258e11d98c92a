namespace EventBus;

/// <summary>Thrown to a publisher when a subscription with <see cref="OverflowPolicy.Fail"/> is full.</summary>
/// <remarks>Subscriptions earlier in the same publish may already have accepted the event.</remarks>
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
        : base($"Subscription '{subscriptionName}' is full ({capacity} queued events) and its overflow policy is Fail. Raise its capacity, choose another policy, or publish more slowly.")
    {
        SubscriptionName = subscriptionName;
        Capacity = capacity;
    }

    /// <summary>Gets the name of the full subscription.</summary>
    public string? SubscriptionName { get; }

    /// <summary>Gets the capacity of the full subscription.</summary>
    public int Capacity { get; }
}
