namespace EventBus;

public sealed partial class EventBusOptions
{
    /// <summary>Gets the metrics, tracing and health check settings.</summary>
    public DiagnosticsOptions Diagnostics { get; } = new();
}
