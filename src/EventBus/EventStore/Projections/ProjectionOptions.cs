using EventBus.EventStore;

namespace EventBus;

/// <summary>Settings of one projection.</summary>
public sealed class ProjectionOptions
{
    /// <summary>Gets or sets when the projection sees appended events.</summary>
    /// <value>The default value is <see cref="ProjectionMode.Async"/>.</value>
    public ProjectionMode Mode { get; set; } = ProjectionMode.Async;

    /// <summary>Gets or sets the topic pattern of the event types the projection receives (same syntax as bus
    /// subscriptions).</summary>
    /// <value>The default value is <c>"#"</c>: every event.</value>
    public string EventTypes { get; set; } = "#";

    /// <summary>Gets or sets how many events are applied between checkpoint saves.</summary>
    /// <value>The default value is 100.</value>
    public int BatchSize { get; set; } = EventStoreConstants.DefaultBatchSize;

    /// <summary>Gets or sets how long an asynchronous projection waits before retrying after a failure.</summary>
    /// <value>The default value is 5 seconds.</value>
    public TimeSpan RetryDelay { get; set; } = EventStoreConstants.DefaultRetryDelay;
}
