namespace EventBus;

/// <summary>A serialized event as stored: its stream, version, global position and bytes.</summary>
/// <param name="streamId">The stream the event belongs to.</param>
/// <param name="streamVersion">The version of the event within its stream, from 1.</param>
/// <param name="position">The position of the event in the global log, from 1, in commit order.</param>
/// <param name="eventId">The unique event id.</param>
/// <param name="eventType">The event type name.</param>
/// <param name="dataVersion">The schema version of <paramref name="data"/> as written.</param>
/// <param name="data">The serialized payload.</param>
/// <param name="metadata">The serialized envelope attributes.</param>
/// <param name="recorded">When the store committed the event.</param>
public sealed class EventRecord(
    string streamId,
    long streamVersion,
    long position,
    string eventId,
    string eventType,
    string dataVersion,
    ReadOnlyMemory<byte> data,
    ReadOnlyMemory<byte> metadata,
    DateTimeOffset recorded)
{
    /// <summary>Gets the stream the event belongs to.</summary>
    public string StreamId { get; } = streamId;

    /// <summary>Gets the version of the event within its stream, from 1.</summary>
    public long StreamVersion { get; } = streamVersion;

    /// <summary>Gets the position of the event in the global log, from 1, in commit order.</summary>
    public long Position { get; } = position;

    /// <summary>Gets the unique event id.</summary>
    public string EventId { get; } = eventId;

    /// <summary>Gets the event type name.</summary>
    public string EventType { get; } = eventType;

    /// <summary>Gets the schema version of <see cref="Data"/> as written.</summary>
    public string DataVersion { get; } = dataVersion;

    /// <summary>Gets the serialized payload.</summary>
    public ReadOnlyMemory<byte> Data { get; } = data;

    /// <summary>Gets the serialized envelope attributes.</summary>
    public ReadOnlyMemory<byte> Metadata { get; } = metadata;

    /// <summary>Gets when the store committed the event.</summary>
    public DateTimeOffset Recorded { get; } = recorded;
}
