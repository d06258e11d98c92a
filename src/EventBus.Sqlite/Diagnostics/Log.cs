using Microsoft.Extensions.Logging;

namespace EventBus.Sqlite.Diagnostics;

internal static partial class Log
{
    [LoggerMessage(EventId = 600, EventName = "SqliteDatabaseOpened", Level = LogLevel.Information,
        Message = "Opened EventBus SQLite database {DataSource} at schema version {SchemaVersion} (WAL, synchronous={Synchronous})")]
    public static partial void DatabaseOpened(ILogger logger, string dataSource, int schemaVersion, SqliteSynchronousMode synchronous);

    [LoggerMessage(EventId = 601, EventName = "SqliteSchemaMigrated", Level = LogLevel.Information,
        Message = "Migrated EventBus SQLite database {DataSource} from schema version {FromVersion} to {ToVersion}")]
    public static partial void SchemaMigrated(ILogger logger, string dataSource, int fromVersion, int toVersion);

    [LoggerMessage(EventId = 602, EventName = "SqliteDatabaseOpenFailed", Level = LogLevel.Error,
        Message = "Could not open EventBus SQLite database {DataSource}: {Error}")]
    public static partial void DatabaseOpenFailed(ILogger logger, string dataSource, SqliteDatabaseError error, Exception exception);

    [LoggerMessage(EventId = 610, EventName = "SqliteWritesCommitted", Level = LogLevel.Trace,
        Message = "Committed {WriteCount} writes in one transaction")]
    public static partial void WritesCommitted(ILogger logger, int writeCount);

    [LoggerMessage(EventId = 611, EventName = "SqliteTransactionFailed", Level = LogLevel.Error,
        Message = "A write transaction of {WriteCount} writes on {DataSource} failed and was rolled back; each caller got the error and may retry (appends are idempotent by event id)")]
    public static partial void TransactionFailed(ILogger logger, int writeCount, string dataSource, Exception exception);

    [LoggerMessage(EventId = 620, EventName = "SqliteDatabaseClosed", Level = LogLevel.Debug,
        Message = "Closed EventBus SQLite database {DataSource}")]
    public static partial void DatabaseClosed(ILogger logger, string dataSource);

    [LoggerMessage(EventId = 630, EventName = "SqlitePayloadKeptAsJson", Level = LogLevel.Warning,
        Message = "The stored payload of event {EventId} (type {EventType}) does not fit the registered type {PayloadType} any more; it is returned as raw JSON")]
    public static partial void PayloadKeptAsJson(ILogger logger, string eventId, string eventType, string payloadType, Exception exception);
}
