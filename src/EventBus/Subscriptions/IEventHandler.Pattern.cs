namespace EventBus;

/// <summary>Handles every event whose type matches a pattern; resolved from a fresh DI scope for every event.</summary>
public interface IEventHandler
{
    /// <summary>Handles one event.</summary>
    /// <param name="event">The event.</param>
    /// <param name="cancellationToken">Signalled when the bus gives up waiting for the handler at shutdown.</param>
    /// <returns>A task that completes when the event has been handled.</returns>
    ValueTask HandleAsync(Event @event, CancellationToken cancellationToken);
}
