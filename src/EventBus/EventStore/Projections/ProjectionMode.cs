namespace EventBus;

/// <summary>When a projection sees appended events.</summary>
public enum ProjectionMode
{
    /// <summary>A background service applies events shortly after they are committed (eventually consistent);
    /// await <see cref="IProjectionManager.WaitForPositionAsync"/> to read your own writes.</summary>
    Async = 0,

    /// <summary>The events are applied as part of <see cref="IEventStreams.AppendAsync"/>, before it returns.</summary>
    Inline = 1,
}
