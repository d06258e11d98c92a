namespace EventBus;

/// <summary>Remembers which events each subscription has handled, so a redelivered event is dropped. The in-memory
/// inbox keeps a window of recent ids; durable backends implement the same interface.</summary>
public interface IInbox
{
    /// <summary>Records that a subscription is handling an event, unless it already handled it within the window.</summary>
    /// <param name="subscriptionName">The subscription name.</param>
    /// <param name="eventId">The event id.</param>
    /// <param name="window">How long the id must be remembered.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns><see langword="true"/> if the id was recorded now; otherwise, <see langword="false"/> (a duplicate).</returns>
    ValueTask<bool> TryAddAsync(string subscriptionName, string eventId, IdempotencyWindow window, CancellationToken cancellationToken = default);

    /// <summary>Forgets an event id, so that a redelivery is handled again (used when handling failed).</summary>
    /// <param name="subscriptionName">The subscription name.</param>
    /// <param name="eventId">The event id.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns><see langword="true"/> if the id was remembered; otherwise, <see langword="false"/>.</returns>
    ValueTask<bool> RemoveAsync(string subscriptionName, string eventId, CancellationToken cancellationToken = default);
}
