using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reflection;
using EventBus.Subscriptions;
using static EventBus.Diagnostics.DiagnosticsConstants;

namespace EventBus.Diagnostics;

/// <summary>The instruments of one bus on the <c>EventBus</c> meter. Recording is a no-op until the bus starts with
/// metrics enabled, and costs one branch when nobody listens.</summary>
internal sealed class EventBusMetrics : IDisposable
{
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _published;
    private readonly Counter<long> _delivered;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _retried;
    private readonly Counter<long> _deadLettered;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _fallback;
    private readonly Counter<long> _evicted;
    private readonly Counter<long> _redriven;
    private readonly Histogram<double> _handlerDuration;
    private Func<IReadOnlyList<Subscription>> _subscriptions = static () => [];
    private volatile bool _enabled = true;

    public EventBusMetrics(IMeterFactory? meterFactory = null)
    {
        var version = typeof(EventBusMetrics).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        var options = new MeterOptions(EventBusDiagnostics.MeterName) { Version = version };
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(options) ?? new Meter(options);

        _published = _meter.CreateCounter<long>(EventBusDiagnostics.EventsPublished, "{event}", "Events published.");
        _delivered = _meter.CreateCounter<long>(EventBusDiagnostics.EventsDelivered, "{event}", "Events handled by a subscription's handler.");
        _failed = _meter.CreateCounter<long>(EventBusDiagnostics.EventsFailed, "{attempt}", "Handler attempts that failed.");
        _retried = _meter.CreateCounter<long>(EventBusDiagnostics.EventsRetried, "{attempt}", "Handler attempts that were retried.");
        _deadLettered = _meter.CreateCounter<long>(EventBusDiagnostics.EventsDeadLettered, "{event}", "Events that left the normal path for the dead-letter store.");
        _dropped = _meter.CreateCounter<long>(EventBusDiagnostics.EventsDropped, "{event}", "Events dropped before their handler (overflow or duplicate).");
        _fallback = _meter.CreateCounter<long>(EventBusDiagnostics.EventsFallback, "{event}", "Events handed to a fallback handler.");
        _evicted = _meter.CreateCounter<long>(EventBusDiagnostics.DeadLettersEvicted, "{event}", "Dead letters evicted because the in-memory store was full.");
        _redriven = _meter.CreateCounter<long>(EventBusDiagnostics.DeadLettersRedriven, "{event}", "Dead letters redriven to their subscription.");
        _handlerDuration = _meter.CreateHistogram<double>(EventBusDiagnostics.HandlerDuration, "s", "Duration of one handler attempt.");
        _meter.CreateObservableGauge(EventBusDiagnostics.QueueDepth, () => Observe(static s => s.QueuedCount), "{event}", "Events queued per subscription.");
        _meter.CreateObservableGauge(EventBusDiagnostics.InFlight, () => Observe(static s => s.InFlightCount), "{event}", "Events being handled per subscription.");
        _meter.CreateObservableGauge(EventBusDiagnostics.CircuitState, ObserveCircuits, "{state}", "Circuit state per subscription: 0 closed, 1 open, 2 half-open, 3 isolated.");
    }

    /// <summary>Gets the meter, so tests can listen to this bus only.</summary>
    public Meter Meter => _meter;

    /// <summary>Applies the options and gives the gauges the live subscriptions; called when the bus starts.</summary>
    public void Attach(bool enabled, Func<IReadOnlyList<Subscription>> subscriptions)
    {
        _enabled = enabled;
        _subscriptions = subscriptions;
    }

    public void Published(string eventType)
    {
        if (_enabled && _published.Enabled)
        {
            _published.Add(1, new KeyValuePair<string, object?>(EventTypeTag, eventType));
        }
    }

    public void Delivered(string eventType, string subscription)
    {
        if (_enabled && _delivered.Enabled)
        {
            _delivered.Add(1, Tags(eventType, subscription));
        }
    }

    public void Failed(string eventType, string subscription, Exception exception)
    {
        if (_enabled && _failed.Enabled)
        {
            var tags = Tags(eventType, subscription);
            tags.Add(ErrorTypeTag, exception.GetType().FullName);
            _failed.Add(1, tags);
        }
    }

    public void Retried(string eventType, string subscription)
    {
        if (_enabled && _retried.Enabled)
        {
            _retried.Add(1, Tags(eventType, subscription));
        }
    }

    public void DeadLettered(string eventType, string subscription, DeadLetterReason reason)
    {
        if (_enabled && _deadLettered.Enabled)
        {
            var tags = Tags(eventType, subscription);
            tags.Add(ReasonTag, ReasonName(reason));
            _deadLettered.Add(1, tags);
        }
    }

    public void Dropped(string eventType, string subscription, string reason)
    {
        if (_enabled && _dropped.Enabled)
        {
            var tags = Tags(eventType, subscription);
            tags.Add(ReasonTag, reason);
            _dropped.Add(1, tags);
        }
    }

    public void Fallback(string eventType, string subscription, FallbackReason reason)
    {
        if (_enabled && _fallback.Enabled)
        {
            var tags = Tags(eventType, subscription);
            tags.Add(ReasonTag, reason == FallbackReason.CircuitOpen ? "circuit_open" : "retries_exhausted");
            _fallback.Add(1, tags);
        }
    }

    /// <summary>Gets whether handler durations are being recorded, so a caller can skip reading the clock.</summary>
    public bool RecordsHandlerDuration => _enabled && _handlerDuration.Enabled;

    public void HandlerDuration(string eventType, string subscription, TimeSpan duration, bool success)
    {
        if (_enabled && _handlerDuration.Enabled)
        {
            var tags = Tags(eventType, subscription);
            tags.Add(OutcomeTag, success ? "success" : "failure");
            _handlerDuration.Record(duration.TotalSeconds, tags);
        }
    }

    public void Evicted(string subscription)
    {
        if (_enabled && _evicted.Enabled)
        {
            _evicted.Add(1, new KeyValuePair<string, object?>(SubscriptionTag, subscription));
        }
    }

    public void Redriven(string subscription, bool success)
    {
        if (_enabled && _redriven.Enabled)
        {
            _redriven.Add(1, new KeyValuePair<string, object?>(SubscriptionTag, subscription), new KeyValuePair<string, object?>(OutcomeTag, success ? "success" : "failure"));
        }
    }

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    internal static string ReasonName(DeadLetterReason reason) => reason switch
    {
        DeadLetterReason.HandlerFailed => "handler_failed",
        DeadLetterReason.Overflow => "overflow",
        DeadLetterReason.NotDrained => "not_drained",
        DeadLetterReason.DeserializationFailed => "deserialization_failed",
        DeadLetterReason.Expired => "expired",
        DeadLetterReason.OrderingKeyFailed => "ordering_key_failed",
        DeadLetterReason.DeliveryFailed => "delivery_failed",
        DeadLetterReason.Abandoned => "abandoned",
        DeadLetterReason.UnknownEventType => "unknown_event_type",
        _ => "unknown",
    };

    private static TagList Tags(string eventType, string subscription) => new()
    {
        { EventTypeTag, eventType },
        { SubscriptionTag, subscription },
    };

    private IEnumerable<Measurement<int>> Observe(Func<Subscription, int> value)
    {
        if (!_enabled)
        {
            return [];
        }

        return _subscriptions().Select(s => new Measurement<int>(value(s), new KeyValuePair<string, object?>(SubscriptionTag, s.Name)));
    }

    private IEnumerable<Measurement<int>> ObserveCircuits()
    {
        if (!_enabled)
        {
            return [];
        }

        return _subscriptions()
            .Where(static s => s.Resilience?.CircuitState is not null)
            .Select(static s => new Measurement<int>((int)s.Resilience!.CircuitState!.Value, new KeyValuePair<string, object?>(SubscriptionTag, s.Name)));
    }
}
