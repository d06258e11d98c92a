namespace EventBus;

/// <summary>Metrics, traces and health; bound from <c>EventBus:Diagnostics</c>.</summary>
public sealed class DiagnosticsOptions
{
    /// <summary>Gets or sets a value indicating whether the bus records metrics on its <c>EventBus</c> meter.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool MetricsEnabled { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether the bus starts publish and handle activities and stamps
    /// <see cref="Event.TraceParent"/>.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool TracingEnabled { get; set; } = true;

    /// <summary>Gets the health check settings.</summary>
    public EventBusHealthCheckOptions HealthCheck { get; } = new();
}
