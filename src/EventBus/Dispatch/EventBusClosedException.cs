namespace EventBus;

/// <summary>Thrown when an event is published to, or a subscription made on, a bus that is stopping or stopped.</summary>
public sealed class EventBusClosedException : InvalidOperationException
{
    /// <summary>Initializes a new instance of the <see cref="EventBusClosedException"/> class.</summary>
    public EventBusClosedException()
        : base("The event bus is stopping or stopped and accepts no more events or subscriptions.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="EventBusClosedException"/> class.</summary>
    /// <param name="message">The message.</param>
    public EventBusClosedException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="EventBusClosedException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public EventBusClosedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
