using Microsoft.Extensions.Logging;

namespace EventBus.Diagnostics;

internal static partial class Log
{
    [LoggerMessage(EventId = 120, EventName = "DuplicateDropped", Level = LogLevel.Debug,
        Message = "Event {EventId} of type {EventType} was already handled by subscription {SubscriptionName}; dropped as a duplicate")]
    public static partial void DuplicateDropped(ILogger logger, string eventId, string eventType, string subscriptionName);

    [LoggerMessage(EventId = 121, EventName = "InboxFailed", Level = LogLevel.Warning,
        Message = "Inbox failed for event {EventId} of subscription {SubscriptionName}; the event is handled without a duplicate check")]
    public static partial void InboxFailed(ILogger logger, string eventId, string subscriptionName, Exception exception);

    [LoggerMessage(EventId = 122, EventName = "InboxRecordFailed", Level = LogLevel.Warning,
        Message = "Event {EventId} was handled by subscription {SubscriptionName} but the inbox could not record it; a redelivery will be handled again")]
    public static partial void InboxRecordFailed(ILogger logger, string eventId, string subscriptionName, Exception exception);
}
