namespace EventBus;

/// <summary>Where a bus is in its lifetime.</summary>
public enum EventBusState
{
    /// <summary>Created; it starts on <see cref="IEventBusLifetime.StartAsync"/> or on first use.</summary>
    Created,

    /// <summary>Accepting and delivering events.</summary>
    Running,

    /// <summary>No longer accepting events; draining what is queued.</summary>
    Stopping,

    /// <summary>Stopped; everything accepted was handled or dead-lettered.</summary>
    Stopped,
}
