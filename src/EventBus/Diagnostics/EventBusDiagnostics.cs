namespace EventBus;

/// <summary>The names under which the bus reports metrics and traces, for OpenTelemetry's <c>AddMeter</c> and
/// <c>AddSource</c>.</summary>
public static class EventBusDiagnostics
{
    /// <summary>The name of the <see cref="System.Diagnostics.Metrics.Meter"/> the bus reports to.</summary>
    public const string MeterName = "EventBus";

    /// <summary>The name of the <see cref="System.Diagnostics.ActivitySource"/> the bus traces with.</summary>
    public const string ActivitySourceName = "EventBus";

    /// <summary>Counter of published events. Tags: <c>eventbus.event.type</c>.</summary>
    public const string EventsPublished = "eventbus.events.published";

    /// <summary>Counter of events a handler handled. Tags: <c>eventbus.event.type</c>, <c>eventbus.subscription</c>.</summary>
    public const string EventsDelivered = "eventbus.events.delivered";

    /// <summary>Counter of failed handler attempts. Tags: <c>eventbus.event.type</c>, <c>eventbus.subscription</c>,
    /// <c>error.type</c>.</summary>
    public const string EventsFailed = "eventbus.events.failed";

    /// <summary>Counter of retries. Tags: <c>eventbus.event.type</c>, <c>eventbus.subscription</c>.</summary>
    public const string EventsRetried = "eventbus.events.retried";

    /// <summary>Counter of dead-lettered events. Tags: <c>eventbus.event.type</c>, <c>eventbus.subscription</c>,
    /// <c>eventbus.reason</c>.</summary>
    public const string EventsDeadLettered = "eventbus.events.dead_lettered";

    /// <summary>Counter of events dropped before their handler: overflow (also dead-lettered) or duplicate. Tags:
    /// <c>eventbus.event.type</c>, <c>eventbus.subscription</c>, <c>eventbus.reason</c>.</summary>
    public const string EventsDropped = "eventbus.events.dropped";

    /// <summary>Counter of events handed to a fallback handler. Tags: <c>eventbus.event.type</c>,
    /// <c>eventbus.subscription</c>, <c>eventbus.reason</c>.</summary>
    public const string EventsFallback = "eventbus.events.fallback";

    /// <summary>Histogram of handler attempt durations in seconds. Tags: <c>eventbus.event.type</c>,
    /// <c>eventbus.subscription</c>, <c>eventbus.outcome</c> (<c>success</c> or <c>failure</c>).</summary>
    public const string HandlerDuration = "eventbus.handler.duration";

    /// <summary>Observable gauge of queued events per subscription. Tags: <c>eventbus.subscription</c>.</summary>
    public const string QueueDepth = "eventbus.subscription.queue_depth";

    /// <summary>Observable gauge of events being handled per subscription. Tags: <c>eventbus.subscription</c>.</summary>
    public const string InFlight = "eventbus.subscription.in_flight";

    /// <summary>Observable gauge of each subscription's circuit: 0 closed, 1 open, 2 half-open, 3 isolated. Tags:
    /// <c>eventbus.subscription</c>.</summary>
    public const string CircuitState = "eventbus.subscription.circuit_state";

    /// <summary>Counter of dead letters the in-memory store evicted because it was full. Tags: <c>eventbus.subscription</c>.</summary>
    public const string DeadLettersEvicted = "eventbus.dead_letters.evicted";

    /// <summary>Counter of redriven dead letters. Tags: <c>eventbus.subscription</c>, <c>eventbus.outcome</c>
    /// (<c>success</c> or <c>failure</c>).</summary>
    public const string DeadLettersRedriven = "eventbus.dead_letters.redriven";
}
