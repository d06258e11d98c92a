namespace EventBus.PostgreSql.EventStore;

/// <summary>Where an event id is stored: its stream, version in the stream and global position.</summary>
internal sealed record StoredEvent(string StreamId, long Version, long Position);
