using Microsoft.Extensions.Logging;

namespace EventBus.PostgreSql.Diagnostics;

/// <summary>The package's log messages. Connection strings and passwords are never logged: a database is named by
/// its schema only.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 700, EventName = "PostgreSqlDatabaseReady", Level = LogLevel.Information,
        Message = "EventBus PostgreSQL schema {Schema} is ready at schema version {SchemaVersion}")]
    public static partial void DatabaseReady(ILogger logger, string schema, int schemaVersion);

    [LoggerMessage(EventId = 701, EventName = "PostgreSqlSchemaMigrated", Level = LogLevel.Information,
        Message = "Migrated EventBus PostgreSQL schema {Schema} from schema version {FromVersion} to {ToVersion}")]
    public static partial void SchemaMigrated(ILogger logger, string schema, int fromVersion, int toVersion);

    [LoggerMessage(EventId = 730, EventName = "PostgreSqlPayloadKeptAsJson", Level = LogLevel.Warning,
        Message = "The stored payload of event {EventId} (type {EventType}) does not fit the registered type {PayloadType} any more; it is returned as raw JSON")]
    public static partial void PayloadKeptAsJson(ILogger logger, string eventId, string eventType, string payloadType, Exception exception);

    [LoggerMessage(EventId = 710, EventName = "PostgreSqlListening", Level = LogLevel.Debug,
        Message = "Listening for appends of other instances on channel {Channel}")]
    public static partial void Listening(ILogger logger, string channel);

    [LoggerMessage(EventId = 711, EventName = "PostgreSqlListenerFailed", Level = LogLevel.Warning,
        Message = "The listener for appends on channel {Channel} lost its connection; reconnecting in {Delay} (readers poll meanwhile)")]
    public static partial void ListenerFailed(ILogger logger, string channel, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 712, EventName = "PostgreSqlNotifyFailed", Level = LogLevel.Debug,
        Message = "Could not announce appends on channel {Channel}; other instances find them by polling")]
    public static partial void NotifyFailed(ILogger logger, string channel, Exception exception);
}
