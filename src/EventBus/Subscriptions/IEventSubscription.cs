namespace EventBus;

/// <summary>A live subscription; disposing it unsubscribes.</summary>
/// <remarks>
/// After disposal the subscription accepts no new events; events it had already accepted are still delivered.
/// <see cref="IAsyncDisposable.DisposeAsync"/> completes once they have been.
/// </remarks>
public interface IEventSubscription : IDisposable, IAsyncDisposable
{
    /// <summary>Gets the unique name of the subscription.</summary>
    string Name { get; }

    /// <summary>Gets the pattern of event types the subscription receives.</summary>
    TopicPattern Pattern { get; }

    /// <summary>Gets the number of events waiting in the subscription's lanes.</summary>
    int QueuedCount { get; }
}
