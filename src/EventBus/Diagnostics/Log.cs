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
        Message = "Event bus stopped while {SubscriptionCount} subscriptions were still inside a handler that ignored cancellation; their running and queued events are dead-lettered now")]
    public static partial void HandlersIgnoredCancellation(ILogger logger, int subscriptionCount);

    [LoggerMessage(EventId = 6, EventName = "HandlerAbandoned", Level = LogLevel.Error,
        Message = "Subscription {SubscriptionName} was still handling event {EventId} of type {EventType} when the bus stopped, ignoring cancellation; the event is dead-lettered as Abandoned so it can be redriven")]
    public static partial void HandlerAbandoned(ILogger logger, string subscriptionName, string eventId, string eventType);

    [LoggerMessage(EventId = 7, EventName = "AbandonedHandlerReturned", Level = LogLevel.Warning,
        Message = "The abandoned handler of subscription {SubscriptionName} returned for event {EventId} ({Outcome}) after the bus stopped; its dead letter stays")]
    public static partial void AbandonedHandlerReturned(ILogger logger, string subscriptionName, string eventId, string outcome);

    [LoggerMessage(EventId = 8, EventName = "WorkerDidNotStop", Level = LogLevel.Critical,
        Message = "The worker of subscription {SubscriptionName} did not stop; {QueuedCount} events may still be queued")]
    public static partial void WorkerDidNotStop(ILogger logger, string subscriptionName, int queuedCount);

    [LoggerMessage(EventId = 9, EventName = "StopFailed", Level = LogLevel.Error,
        Message = "Stopping the event bus failed; it is stopped anyway")]
    public static partial void StopFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 10, EventName = "NoSubscribers", Level = LogLevel.Debug,
        Message = "Event {EventId} of type {EventType} matched no subscription")]
    public static partial void NoSubscribers(ILogger logger, string eventId, string eventType);

    [LoggerMessage(EventId = 11, EventName = "OrderingKeyFailed", Level = LogLevel.Error,
        Message = "The ordering key selector of subscription {SubscriptionName} threw for event {EventId} of type {EventType}; the event is dead-lettered")]
    public static partial void OrderingKeyFailed(ILogger logger, string subscriptionName, string eventId, string eventType, Exception exception);

    [LoggerMessage(EventId = 12, EventName = "DeliveryFaulted", Level = LogLevel.Error,
        Message = "Delivering event {EventId} of type {EventType} to subscription {SubscriptionName} failed outside the handler; the event is dead-lettered and the worker goes on")]
    public static partial void DeliveryFaulted(ILogger logger, string subscriptionName, string eventId, string eventType, Exception exception);

    [LoggerMessage(EventId = 13, EventName = "OutcomeNotRecorded", Level = LogLevel.Critical,
        Message = "The outcome of event {EventId} of type {EventType} for subscription {SubscriptionName} could not be recorded")]
    public static partial void OutcomeNotRecorded(ILogger logger, string subscriptionName, string eventId, string eventType, Exception exception);

    [LoggerMessage(EventId = 20, EventName = "EventDeadLettered", Level = LogLevel.Warning,
        Message = "Event {EventId} of type {EventType} for subscription {SubscriptionName} dead-lettered: {Reason}")]
    public static partial void EventDeadLettered(ILogger logger, string eventId, string eventType, string subscriptionName, DeadLetterReason reason, Exception? exception);

    [LoggerMessage(EventId = 21, EventName = "DeadLetterStoreFailed", Level = LogLevel.Critical,
        Message = "Dead-letter store failed to keep event {EventId} of type {EventType} for subscription {SubscriptionName} ({Reason}); the event is only in this log")]
    public static partial void DeadLetterStoreFailed(ILogger logger, string eventId, string eventType, string subscriptionName, DeadLetterReason reason, Exception exception);
}
