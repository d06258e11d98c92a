using Microsoft.Extensions.Logging;

namespace EventBus.Diagnostics;

internal static partial class Log
{
    [LoggerMessage(EventId = 100, EventName = "HandlerRetrying", Level = LogLevel.Warning,
        Message = "Handler of subscription {SubscriptionName} failed on event {EventId} of type {EventType} (attempt {Attempt}); retrying in {Delay}")]
    public static partial void HandlerRetrying(ILogger logger, string subscriptionName, string eventId, string eventType, int attempt, TimeSpan delay, Exception? exception);

    [LoggerMessage(EventId = 101, EventName = "CircuitOpened", Level = LogLevel.Error,
        Message = "Circuit of subscription {SubscriptionName} opened for {BreakDuration}; its events stay queued")]
    public static partial void CircuitOpened(ILogger logger, string subscriptionName, TimeSpan breakDuration, Exception? exception);

    [LoggerMessage(EventId = 102, EventName = "CircuitHalfOpened", Level = LogLevel.Information,
        Message = "Circuit of subscription {SubscriptionName} is half-open: the next event probes the handler")]
    public static partial void CircuitHalfOpened(ILogger logger, string subscriptionName);

    [LoggerMessage(EventId = 103, EventName = "CircuitClosed", Level = LogLevel.Information,
        Message = "Circuit of subscription {SubscriptionName} closed")]
    public static partial void CircuitClosed(ILogger logger, string subscriptionName);

    [LoggerMessage(EventId = 104, EventName = "SubscriptionPaused", Level = LogLevel.Warning,
        Message = "Subscription {SubscriptionName} paused for {Delay} while its circuit is open; event {EventId} and {QueuedCount} queued events wait")]
    public static partial void SubscriptionPaused(ILogger logger, string subscriptionName, TimeSpan delay, string eventId, int queuedCount);

    [LoggerMessage(EventId = 105, EventName = "SubscriptionResumed", Level = LogLevel.Information,
        Message = "Subscription {SubscriptionName} resumes with event {EventId}")]
    public static partial void SubscriptionResumed(ILogger logger, string subscriptionName, string eventId);

    [LoggerMessage(EventId = 106, EventName = "FallbackHandled", Level = LogLevel.Information,
        Message = "Fallback of subscription {SubscriptionName} handled event {EventId} of type {EventType} ({Reason})")]
    public static partial void FallbackHandled(ILogger logger, string subscriptionName, string eventId, string eventType, FallbackReason reason);

    [LoggerMessage(EventId = 107, EventName = "FallbackFailed", Level = LogLevel.Error,
        Message = "Fallback of subscription {SubscriptionName} failed on event {EventId} of type {EventType}; the event is dead-lettered")]
    public static partial void FallbackFailed(ILogger logger, string subscriptionName, string eventId, string eventType, Exception exception);

    [LoggerMessage(EventId = 108, EventName = "EventExpired", Level = LogLevel.Warning,
        Message = "Event {EventId} of type {EventType} for subscription {SubscriptionName} expired: published at {Time}, time to live {TimeToLive}")]
    public static partial void EventExpired(ILogger logger, string eventId, string eventType, string subscriptionName, DateTimeOffset time, TimeSpan timeToLive);
}
