namespace EventBus;

/// <summary>Handles events with a <typeparamref name="T"/> payload; resolved from a fresh DI scope for every event.</summary>
/// <typeparam name="T">The payload type, named by <see cref="EventTypeAttribute"/> or registration.</typeparam>
public interface IEventHandler<T>
{
    /// <summary>Handles one event.</summary>
    /// <param name="event">The event.</param>
    /// <param name="cancellationToken">Signalled when the bus gives up waiting for the handler at shutdown.</param>
    /// <returns>A task that completes when the event has been handled.</returns>
    ValueTask HandleAsync(Event<T> @event, CancellationToken cancellationToken);
}
