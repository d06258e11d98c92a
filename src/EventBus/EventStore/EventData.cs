using EventBus.EventStore;

namespace EventBus;

/// <summary>A serialized event to append to a stream.</summary>
public sealed class EventData
{
    /// <summary>Initializes a new instance of the <see cref="EventData"/> class.</summary>
    /// <param name="eventId">The unique event id; appending the same id again is an idempotent retry.</param>
    /// <param name="eventType">The event type name, such as <c>order.placed</c>.</param>
    /// <param name="data">The serialized payload (UTF-8 JSON for the built-in serializer).</param>
    /// <param name="metadata">The serialized envelope attributes.</param>
    /// <param name="dataVersion">The schema version of <paramref name="data"/>.</param>
    /// <exception cref="ArgumentException">The id is empty or longer than 255 characters, the type is not a valid
    /// event type name, or the data version is empty.</exception>
    public EventData(string eventId, string eventType, ReadOnlyMemory<byte> data, ReadOnlyMemory<byte> metadata = default, string dataVersion = Event.DefaultDataVersion)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(eventId);
        if (eventId.Length > EventStoreConstants.MaxEventIdLength)
        {
            throw new ArgumentException($"Event id '{eventId[..32]}…' is longer than {EventStoreConstants.MaxEventIdLength} characters.", nameof(eventId));
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(dataVersion);
        EventId = eventId;
        EventType = EventTypeName.Validate(eventType, nameof(eventType));
        Data = data;
        Metadata = metadata;
        DataVersion = dataVersion;
    }

    /// <summary>Gets the unique event id.</summary>
    public string EventId { get; }

    /// <summary>Gets the event type name.</summary>
    public string EventType { get; }

    /// <summary>Gets the serialized payload.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>Gets the serialized envelope attributes.</summary>
    public ReadOnlyMemory<byte> Metadata { get; }

    /// <summary>Gets the schema version of <see cref="Data"/>.</summary>
    public string DataVersion { get; }
}
