using Microsoft.Extensions.Logging;

namespace EventBus.Diagnostics;

internal static partial class Log
{
    [LoggerMessage(EventId = 300, EventName = "SagaStarted", Level = LogLevel.Debug,
        Message = "Saga {SagaName} instance {CorrelationKey} started by event {EventId} of type {EventType}; now in step {Step}")]
    public static partial void SagaStarted(ILogger logger, string sagaName, string correlationKey, string eventId, string eventType, string? step);

    [LoggerMessage(EventId = 301, EventName = "SagaEventHandled", Level = LogLevel.Debug,
        Message = "Saga {SagaName} instance {CorrelationKey} handled event {EventId} of type {EventType}; now in step {Step}")]
    public static partial void SagaEventHandled(ILogger logger, string sagaName, string correlationKey, string eventId, string eventType, string? step);

    [LoggerMessage(EventId = 302, EventName = "SagaDuplicateIgnored", Level = LogLevel.Debug,
        Message = "Saga {SagaName} instance {CorrelationKey} already applied event {EventId} of type {EventType}; the redelivery changes nothing")]
    public static partial void SagaDuplicateIgnored(ILogger logger, string sagaName, string correlationKey, string eventId, string eventType);

    [LoggerMessage(EventId = 303, EventName = "SagaEventIgnored", Level = LogLevel.Information,
        Message = "Saga {SagaName} instance {CorrelationKey} ignored event {EventId} of type {EventType}: {Reason}")]
    public static partial void SagaEventIgnored(ILogger logger, string sagaName, string correlationKey, string eventId, string eventType, string reason);

    [LoggerMessage(EventId = 304, EventName = "SagaEventParked", Level = LogLevel.Information,
        Message = "Saga {SagaName} instance {CorrelationKey} parked event {EventId} of type {EventType} until it is expected: {Reason}")]
    public static partial void SagaEventParked(ILogger logger, string sagaName, string correlationKey, string eventId, string eventType, string reason);

    [LoggerMessage(EventId = 305, EventName = "SagaConflict", Level = LogLevel.Debug,
        Message = "Saga {SagaName} instance {CorrelationKey} changed while event {EventId} was applied; retry {Attempt}")]
    public static partial void SagaConflict(ILogger logger, string sagaName, string correlationKey, string eventId, int attempt);

    [LoggerMessage(EventId = 306, EventName = "SagaNoCorrelationKey", Level = LogLevel.Warning,
        Message = "Saga {SagaName} ignored event {EventId} of type {EventType}: it has no correlation key")]
    public static partial void SagaNoCorrelationKey(ILogger logger, string sagaName, string eventId, string eventType);

    [LoggerMessage(EventId = 307, EventName = "SagaCompleted", Level = LogLevel.Information,
        Message = "Saga {SagaName} instance {CorrelationKey} completed")]
    public static partial void SagaCompleted(ILogger logger, string sagaName, string correlationKey);

    [LoggerMessage(EventId = 308, EventName = "SagaCompensating", Level = LogLevel.Warning,
        Message = "Saga {SagaName} instance {CorrelationKey} failed ({Reason}); compensating {StepCount} completed steps, latest first")]
    public static partial void SagaCompensating(ILogger logger, string sagaName, string correlationKey, string reason, int stepCount);

    [LoggerMessage(EventId = 309, EventName = "SagaCompensated", Level = LogLevel.Information,
        Message = "Saga {SagaName} instance {CorrelationKey} compensated {StepCount} steps and ended: {Reason}")]
    public static partial void SagaCompensated(ILogger logger, string sagaName, string correlationKey, string reason, int stepCount);

    [LoggerMessage(EventId = 310, EventName = "SagaParkedEventDropped", Level = LogLevel.Warning,
        Message = "Saga {SagaName} instance {CorrelationKey} dropped parked event {EventId} of type {EventType}: the saga ended {Status} before expecting it")]
    public static partial void SagaParkedEventDropped(ILogger logger, string sagaName, string correlationKey, string eventId, string eventType, SagaStatus status);

    [LoggerMessage(EventId = 311, EventName = "SagaTimeoutScheduled", Level = LogLevel.Debug,
        Message = "Saga {SagaName} timeout {TimeoutName} ({TimeoutId}) armed for {DueTime}")]
    public static partial void SagaTimeoutScheduled(ILogger logger, string sagaName, string timeoutName, string timeoutId, DateTimeOffset dueTime);

    [LoggerMessage(EventId = 312, EventName = "SagaTimeoutFired", Level = LogLevel.Debug,
        Message = "Saga {SagaName} timeout {TimeoutName} ({TimeoutId}) is due; publishing it")]
    public static partial void SagaTimeoutFired(ILogger logger, string sagaName, string timeoutName, string timeoutId);

    [LoggerMessage(EventId = 313, EventName = "SagaTimeoutPublishFailed", Level = LogLevel.Error,
        Message = "Saga {SagaName} timeout {TimeoutName} ({TimeoutId}) is due but could not be published; its claim is given back and it is fired again with the next poll of the saga store")]
    public static partial void SagaTimeoutPublishFailed(ILogger logger, string sagaName, string timeoutName, string timeoutId, Exception exception);

    [LoggerMessage(EventId = 314, EventName = "SagaPublishFailed", Level = LogLevel.Error,
        Message = "Saga {SagaName} instance {CorrelationKey} saved its change but could not publish {EventType} ({EventId}); {UnsentCount} events stay in the instance's outbox and are published again with its next change or when the saga next starts")]
    public static partial void SagaPublishFailed(ILogger logger, string sagaName, string correlationKey, string eventType, string eventId, int unsentCount, Exception exception);

    [LoggerMessage(EventId = 315, EventName = "SagaTimeoutsRecovered", Level = LogLevel.Information,
        Message = "Saga {SagaName} armed {TimeoutCount} pending timeouts found in the saga store")]
    public static partial void SagaTimeoutsRecovered(ILogger logger, string sagaName, int timeoutCount);

    [LoggerMessage(EventId = 316, EventName = "SagaRecoveryFailed", Level = LogLevel.Error,
        Message = "Saga {SagaName} could not read the saga store to publish left-over outbox events and arm pending timeouts; that happens when the saga is started again")]
    public static partial void SagaRecoveryFailed(ILogger logger, string sagaName, Exception exception);

    [LoggerMessage(EventId = 317, EventName = "SagaOutboxNotCleared", Level = LogLevel.Warning,
        Message = "Saga {SagaName} instance {CorrelationKey} published {EventCount} events but could not take them off its outbox; they are published again, with the same ids, when the saga next starts")]
    public static partial void SagaOutboxNotCleared(ILogger logger, string sagaName, string correlationKey, int eventCount, Exception exception);

    [LoggerMessage(EventId = 318, EventName = "SagaTimeoutClaimFailed", Level = LogLevel.Error,
        Message = "Saga {SagaName} could not claim due timeouts from the saga store; it tries again with the next poll")]
    public static partial void SagaTimeoutClaimFailed(ILogger logger, string sagaName, Exception exception);

    [LoggerMessage(EventId = 319, EventName = "SagaTimeoutNotSettled", Level = LogLevel.Warning,
        Message = "Saga {SagaName} timeout {TimeoutName} ({TimeoutId}) was fired but the saga store could not record it; when its claim lapses it may be fired again (the saga ignores the repeat)")]
    public static partial void SagaTimeoutNotSettled(ILogger logger, string sagaName, string timeoutName, string timeoutId, Exception exception);
}
