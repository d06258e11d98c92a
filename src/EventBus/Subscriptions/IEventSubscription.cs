namespace EventBus;

/// <summary>A live subscription; disposing it unsubscribes.</summary>
/// <remarks>
/// After disposal the subscription accepts no new events; events it had already accepted are still delivered.
/// <see cref="IAsyncDisposable.DisposeAsync"/> completes once they have been — except when called from inside the
/// subscription's own handler, where it returns at once rather than wait for itself.
/// </remarks>
public interface IEventSubscription : IDisposable, IAsyncDisposable
{
    /// <summary>Gets the unique name of the subscription.</summary>
    string Name { get; }

    /// <summary>Gets the pattern of event types the subscription receives.</summary>
    TopicPattern Pattern { get; }

    /// <summary>Gets the number of accepted events waiting for their delivery to begin: in the subscription's lanes, or
    /// parked behind a busy ordering key. This is what <see cref="SubscriptionOptions.Capacity"/> bounds.</summary>
    int QueuedCount { get; }

    /// <summary>Gets the number of events whose delivery has begun and has not yet reached its outcome (handlers running,
    /// retries waiting). Together with <see cref="QueuedCount"/> it tells whether the subscription is idle.</summary>
    int InFlightCount { get; }
}
