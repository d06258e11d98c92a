using EventBus.Diagnostics;

namespace EventBus;

/// <summary>When the bus health check reports degraded or unhealthy; bound from
/// <c>EventBus:Diagnostics:HealthCheck</c>.</summary>
/// <remarks>Unhealthy: a subscription's circuit is open, or a queue holds at least
/// <see cref="QueueCapacityThreshold"/> of its capacity. Degraded: at least <see cref="DeadLetterThreshold"/> events
/// were dead-lettered within the last <see cref="Interval"/>.</remarks>
public sealed class EventBusHealthCheckOptions
{
    /// <summary>Gets or sets the window in which new dead letters make the bus degraded.</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan Interval { get; set; } = DiagnosticsConstants.DefaultHealthCheckInterval;

    /// <summary>Gets or sets the share of a subscription's capacity at which its queue counts as near capacity.</summary>
    /// <value>The default value is 0.9 (90 %).</value>
    public double QueueCapacityThreshold { get; set; } = DiagnosticsConstants.DefaultQueueCapacityThreshold;

    /// <summary>Gets or sets how many dead letters within <see cref="Interval"/> make the bus degraded.</summary>
    /// <value>The default value is 1.</value>
    public int DeadLetterThreshold { get; set; } = DiagnosticsConstants.DefaultDeadLetterThreshold;
}
