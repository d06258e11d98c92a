using EventBus.Acknowledgements;
using EventBus.DeadLetters;
using EventBus.Diagnostics;
using Microsoft.Extensions.Logging;

namespace EventBus.Dispatch;

/// <summary>What every subscription worker of one bus shares.</summary>
internal sealed class DispatchContext(DeadLetterSink deadLetters, ILogger logger, CancellationToken abort, EventBusMetrics metrics, DeliveryTracker tracker, TimeProvider timeProvider)
{
    public DeadLetterSink DeadLetters { get; } = deadLetters;

    public ILogger Logger { get; } = logger;

    /// <summary>Signalled when the bus gives up draining: handlers are cancelled and the rest is dead-lettered.</summary>
    public CancellationToken Abort { get; } = abort;

    public EventBusMetrics Metrics { get; } = metrics;

    /// <summary>Gets where outcomes of tracked events go back to their origin.</summary>
    public DeliveryTracker Tracker { get; } = tracker;

    public TimeProvider TimeProvider { get; } = timeProvider;

    /// <summary>Gets or sets a value indicating whether deliveries start handle activities; set when the bus starts.</summary>
    public bool TracingEnabled { get; set; } = true;
}
