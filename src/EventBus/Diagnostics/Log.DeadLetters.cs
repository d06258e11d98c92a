using Microsoft.Extensions.Logging;

namespace EventBus.Diagnostics;

internal static partial class Log
{
    [LoggerMessage(EventId = 140, EventName = "DeadLetterCapacityReached", Level = LogLevel.Error,
        Message = "Dead-letter store is full ({Capacity} entries): evicted the oldest, event {EventId} of type {EventType} for subscription {SubscriptionName}")]
    public static partial void DeadLetterCapacityReached(ILogger logger, int capacity, string eventId, string eventType, string subscriptionName);

    [LoggerMessage(EventId = 141, EventName = "RedriveStarted", Level = LogLevel.Information,
        Message = "Redriving {Count} dead letters{DryRun}")]
    public static partial void RedriveStarted(ILogger logger, int count, string dryRun);

    [LoggerMessage(EventId = 142, EventName = "RedriveSubscriptionMissing", Level = LogLevel.Warning,
        Message = "Dead letter {DeadLetterId} (event {EventId}) was not redriven: subscription {SubscriptionName} does not exist")]
    public static partial void RedriveSubscriptionMissing(ILogger logger, string deadLetterId, string eventId, string subscriptionName);

    [LoggerMessage(EventId = 143, EventName = "RedriveCompleted", Level = LogLevel.Information,
        Message = "Redrive finished: {Succeeded} handled, {Failed} dead-lettered again, {Skipped} skipped")]
    public static partial void RedriveCompleted(ILogger logger, int succeeded, int failed, int skipped);

    [LoggerMessage(EventId = 144, EventName = "RedriveEntryUnreadable", Level = LogLevel.Warning,
        Message = "Dead letter {DeadLetterId} for subscription {SubscriptionName} was not redriven and stays in the store: {ReadError}")]
    public static partial void RedriveEntryUnreadable(ILogger logger, string deadLetterId, string subscriptionName, string readError);
}
