using System.Diagnostics;
using System.Reflection;

namespace EventBus.Diagnostics;

/// <summary>The <c>EventBus</c> activity source: a producer span per publish, a consumer span per delivery, joined
/// through the W3C <c>traceparent</c> carried in <see cref="Event.TraceParent"/>.</summary>
internal static class EventBusTracing
{
    public static readonly ActivitySource Source = new(
        EventBusDiagnostics.ActivitySourceName,
        typeof(EventBusTracing).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion);

    /// <summary>Starts the publish span, a child of the ambient activity (the handle span when publishing from a
    /// handler) or, failing that, of the trace context the event already carries.</summary>
    public static Activity? StartPublish(Event @event)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        ActivityContext parent = default;
        if (Activity.Current is null && @event.TraceParent is { } traceParent)
        {
            ActivityContext.TryParse(traceParent, null, out parent);
        }

        var ambient = Activity.Current;
        var activity = Source.StartActivity($"publish {@event.Type}", ActivityKind.Producer, parent);

        // The span only covers handing the event to the subscriptions: do not leave it ambient in the caller's flow,
        // which outlives it when publishing completes asynchronously.
        Activity.Current = ambient;
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.system", "eventbus");
            activity.SetTag("messaging.operation.type", "send");
            activity.SetTag("messaging.destination.name", @event.Type);
            activity.SetTag("messaging.message.id", @event.Id);
            activity.SetTag("messaging.message.conversation_id", @event.CorrelationId);
        }

        return activity;
    }

    /// <summary>Starts the handle span of one delivery, a child of the publisher's trace context.</summary>
    public static Activity? StartHandle(Event @event, string subscriptionName)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        ActivityContext parent = default;
        if (@event.TraceParent is { } traceParent)
        {
            ActivityContext.TryParse(traceParent, null, out parent);
        }

        var activity = Source.StartActivity($"process {@event.Type}", ActivityKind.Consumer, parent);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.system", "eventbus");
            activity.SetTag("messaging.operation.type", "process");
            activity.SetTag("messaging.destination.name", @event.Type);
            activity.SetTag("messaging.consumer.group.name", subscriptionName);
            activity.SetTag("messaging.message.id", @event.Id);
            activity.SetTag("messaging.message.conversation_id", @event.CorrelationId);
        }

        return activity;
    }

    public static void SetOutcome(Activity? activity, int attempts, string outcome, Exception? exception)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag("eventbus.attempts", attempts);
        activity.SetTag("eventbus.outcome", outcome);
        if (exception is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error, exception.Message);
            activity.SetTag("error.type", exception.GetType().FullName);
        }
    }
}
