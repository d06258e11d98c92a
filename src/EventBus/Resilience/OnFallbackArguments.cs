namespace EventBus;

/// <summary>What a fallback handler receives.</summary>
public readonly struct OnFallbackArguments
{
    /// <summary>Initializes a new instance of the <see cref="OnFallbackArguments"/> struct.</summary>
    /// <param name="event">The event the handler could not handle.</param>
    /// <param name="subscriptionName">The subscription name.</param>
    /// <param name="reason">Why the fallback is called.</param>
    /// <param name="exception">The last handler failure, if any.</param>
    /// <param name="attemptCount">How many times the handler was called for the event.</param>
    /// <param name="cancellationToken">Signalled when the bus gives up draining.</param>
    public OnFallbackArguments(Event @event, string subscriptionName, FallbackReason reason, Exception? exception, int attemptCount, CancellationToken cancellationToken)
    {
        Event = @event;
        SubscriptionName = subscriptionName;
        Reason = reason;
        Exception = exception;
        AttemptCount = attemptCount;
        CancellationToken = cancellationToken;
    }

    /// <summary>Gets the event the handler could not handle.</summary>
    public Event Event { get; }

    /// <summary>Gets the subscription name.</summary>
    public string SubscriptionName { get; }

    /// <summary>Gets why the fallback is called.</summary>
    public FallbackReason Reason { get; }

    /// <summary>Gets the last handler failure; <see langword="null"/> when the circuit was open before any attempt.</summary>
    public Exception? Exception { get; }

    /// <summary>Gets how many times the handler was called for the event.</summary>
    public int AttemptCount { get; }

    /// <summary>Gets a token signalled when the bus gives up draining.</summary>
    public CancellationToken CancellationToken { get; }
}
