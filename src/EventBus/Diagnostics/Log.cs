using Microsoft.Extensions.Logging;

namespace EventBus.Diagnostics;

internal static partial class Log
{
    [LoggerMessage(EventId = 1, EventName = "BusStarted", Level = LogLevel.Information,
        Message = "Event bus started with {SubscriptionCount} subscriptions")]
    public static partial void BusStarted(ILogger logger, int subscriptionCount);

    [LoggerMessage(EventId = 2, EventName = "BusStopping", Level = LogLevel.Information,
        Message = "Event bus stopping: intake closed, draining {QueuedCount} queued events for up to {DrainTimeout}")]
    public static partial void BusStopping(ILogger logger, int queuedCount, TimeSpan drainTimeout);

    [LoggerMessage(EventId = 3, EventName = "BusStopped", Level = LogLevel.Information,
        Message = "Event bus stopped")]
    public static partial void BusStopped(ILogger logger);

    [LoggerMessage(EventId = 4, EventName = "DrainTimedOut", Level = LogLevel.Warning,
        Message = "Event bus drain timed out with {QueuedCount} events still queued; cancelling handlers and dead-lettering the rest")]
    public static partial void DrainTimedOut(ILogger logger, int queuedCount);

    [LoggerMessage(EventId = 5, EventName = "HandlersIgnoredCancellation", Level = LogLevel.Error,
        Message = "Event bus stopped while {SubscriptionCount} subscriptions were still inside a handler that ignored cancellation; their queued events are dead-lettered when the handler returns")]
    public static partial void HandlersIgnoredCancellation(ILogger logger, int subscriptionCount);

    [LoggerMessage(EventId = 10, EventName = "NoSubscribers", Level = LogLevel.Debug,
        Message = "Event {EventId} of type {EventType} matched no subscription")]
    public static partial void NoSubscribers(ILogger logger, string eventId, string eventType);

    [LoggerMessage(EventId = 20, EventName = "EventDeadLettered", Level = LogLevel.Warning,
        Message = "Event {EventId} of type {EventType} for subscription {SubscriptionName} dead-lettered: {Reason}")]
    public static partial void EventDeadLettered(ILogger logger, string eventId, string eventType, string subscriptionName, DeadLetterReason reason, Exception? exception);

    [LoggerMessage(EventId = 21, EventName = "DeadLetterStoreFailed", Level = LogLevel.Critical,
        Message = "Dead-letter store failed to keep event {EventId} of type {EventType} for subscription {SubscriptionName} ({Reason}); the event is only in this log")]
    public static partial void DeadLetterStoreFailed(ILogger logger, string eventId, string eventType, string subscriptionName, DeadLetterReason reason, Exception exception);
}
