namespace EventBus;

/// <summary>A deserialized event read from the store, with where it sits in its stream and in the global log.</summary>
/// <param name="StreamId">The stream the event belongs to.</param>
/// <param name="StreamVersion">The version of the event within its stream, from 1.</param>
/// <param name="Position">The position of the event in the global log, from 1.</param>
/// <param name="Recorded">When the store committed the event.</param>
/// <param name="Event">The envelope, with its payload upcast to the latest data version and deserialized.</param>
public sealed record StoredEvent(string StreamId, long StreamVersion, long Position, DateTimeOffset Recorded, Event Event);
