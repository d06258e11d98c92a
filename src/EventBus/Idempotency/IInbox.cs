namespace EventBus;

/// <summary>Remembers which events each subscription has handled, so a redelivered event is dropped. The in-memory
/// inbox keeps a window of recent ids; durable backends implement the same interface.</summary>
/// <remarks>The bus asks <see cref="ContainsAsync"/> before the handler and records the id with
/// <see cref="TryAddAsync"/> only once the handler succeeded: a failure or a crash in between records nothing, so the
/// redelivery runs (effectively once, not at most once).</remarks>
public interface IInbox
{
    /// <summary>Tells whether a subscription already handled an event within the window.</summary>
    /// <param name="subscriptionName">The subscription name.</param>
    /// <param name="eventId">The event id.</param>
    /// <param name="window">How long ids are remembered.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns><see langword="true"/> if the id is recorded and still within the window; otherwise, <see langword="false"/>.</returns>
    ValueTask<bool> ContainsAsync(string subscriptionName, string eventId, IdempotencyWindow window, CancellationToken cancellationToken = default);

    /// <summary>Records that a subscription handled an event, unless it already handled it within the window.</summary>
    /// <param name="subscriptionName">The subscription name.</param>
    /// <param name="eventId">The event id.</param>
    /// <param name="window">How long the id must be remembered.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns><see langword="true"/> if the id was recorded now; otherwise, <see langword="false"/> (a duplicate).</returns>
    ValueTask<bool> TryAddAsync(string subscriptionName, string eventId, IdempotencyWindow window, CancellationToken cancellationToken = default);

    /// <summary>Forgets an event id, so that a redelivery is handled again.</summary>
    /// <param name="subscriptionName">The subscription name.</param>
    /// <param name="eventId">The event id.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns><see langword="true"/> if the id was remembered; otherwise, <see langword="false"/>.</returns>
    ValueTask<bool> RemoveAsync(string subscriptionName, string eventId, CancellationToken cancellationToken = default);
}
