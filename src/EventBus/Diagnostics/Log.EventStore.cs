using Microsoft.Extensions.Logging;

namespace EventBus.Diagnostics;

internal static partial class Log
{
    [LoggerMessage(EventId = 200, EventName = "UnknownEventTypeSkipped", Level = LogLevel.Warning,
        Message = "Skipped stored event of unregistered type {EventType} at version {StreamVersion} of stream {StreamId} (global position {Position})")]
    public static partial void UnknownEventTypeSkipped(ILogger logger, string eventType, string streamId, long streamVersion, long position);

    [LoggerMessage(EventId = 210, EventName = "SnapshotSchemaMismatch", Level = LogLevel.Information,
        Message = "Ignored snapshot of stream {StreamId} at version {StreamVersion}: schema version {SnapshotSchemaVersion} is not the current {CurrentSchemaVersion}; rebuilding from events")]
    public static partial void SnapshotSchemaMismatch(ILogger logger, string streamId, long streamVersion, int snapshotSchemaVersion, int currentSchemaVersion);

    [LoggerMessage(EventId = 211, EventName = "SnapshotAheadOfStream", Level = LogLevel.Warning,
        Message = "Ignored snapshot of stream {StreamId} at version {SnapshotVersion}: the stream is only at version {StreamVersion}; rebuilding from events")]
    public static partial void SnapshotAheadOfStream(ILogger logger, string streamId, long snapshotVersion, long streamVersion);

    [LoggerMessage(EventId = 212, EventName = "SnapshotTaken", Level = LogLevel.Debug,
        Message = "Took snapshot of stream {StreamId} at version {StreamVersion}")]
    public static partial void SnapshotTaken(ILogger logger, string streamId, long streamVersion);

    [LoggerMessage(EventId = 213, EventName = "SnapshotFailed", Level = LogLevel.Warning,
        Message = "Could not save the snapshot of stream {StreamId} at version {StreamVersion}; the events are saved and the next load replays them")]
    public static partial void SnapshotFailed(ILogger logger, string streamId, long streamVersion, Exception exception);

    [LoggerMessage(EventId = 220, EventName = "ProjectionFailed", Level = LogLevel.Error,
        Message = "Projection {ProjectionName} failed at global position {Position}; it resumes from its checkpoint")]
    public static partial void ProjectionFailed(ILogger logger, string projectionName, long position, Exception exception);

    [LoggerMessage(EventId = 221, EventName = "ProjectionRebuilding", Level = LogLevel.Information,
        Message = "Rebuilding projection {ProjectionName} from position 0")]
    public static partial void ProjectionRebuilding(ILogger logger, string projectionName);

    [LoggerMessage(EventId = 222, EventName = "ProjectionCaughtUp", Level = LogLevel.Debug,
        Message = "Projection {ProjectionName} caught up to global position {Position}")]
    public static partial void ProjectionCaughtUp(ILogger logger, string projectionName, long position);

    [LoggerMessage(EventId = 230, EventName = "OutboxPublishFailed", Level = LogLevel.Error,
        Message = "Outbox failed to publish stored events after global position {Position}; retrying in {RetryDelay}")]
    public static partial void OutboxPublishFailed(ILogger logger, long position, TimeSpan retryDelay, Exception exception);

    [LoggerMessage(EventId = 231, EventName = "OutboxPublished", Level = LogLevel.Debug,
        Message = "Outbox published stored events up to global position {Position}")]
    public static partial void OutboxPublished(ILogger logger, long position);

    [LoggerMessage(EventId = 232, EventName = "OutboxStoppedBusClosed", Level = LogLevel.Information,
        Message = "Outbox stopped at global position {Position}: the bus is closed; the rest is published after the next start")]
    public static partial void OutboxStoppedBusClosed(ILogger logger, long position);
}
