namespace EventBus;

/// <summary>Thrown when a stored event has a type name that is not registered, and unknown types fail reads.</summary>
/// <remarks>Register the payload type (<c>AddEventType&lt;T&gt;()</c>), or set
/// <see cref="EventStoreOptions.UnknownEventTypes"/> to <see cref="UnknownEventTypeHandling.Skip"/>.</remarks>
public sealed class UnknownEventTypeException : InvalidOperationException
{
    /// <summary>Initializes a new instance of the <see cref="UnknownEventTypeException"/> class.</summary>
    /// <param name="streamId">The stream of the event.</param>
    /// <param name="streamVersion">The version of the event in its stream.</param>
    /// <param name="position">The global position of the event.</param>
    /// <param name="eventType">The unregistered type name.</param>
    public UnknownEventTypeException(string streamId, long streamVersion, long position, string eventType)
        : base($"Event type '{eventType}' of the event at version {streamVersion} of stream '{streamId}' (global position {position}) is not registered. Register its payload type with AddEventType, or skip unknown types with EventStoreOptions.UnknownEventTypes = Skip.")
    {
        StreamId = streamId;
        StreamVersion = streamVersion;
        Position = position;
        EventType = eventType;
    }

    /// <summary>Initializes a new instance of the <see cref="UnknownEventTypeException"/> class.</summary>
    public UnknownEventTypeException()
        : base("A stored event has an unregistered type.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="UnknownEventTypeException"/> class.</summary>
    /// <param name="message">The message.</param>
    public UnknownEventTypeException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="UnknownEventTypeException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public UnknownEventTypeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets the stream of the event.</summary>
    public string StreamId { get; } = string.Empty;

    /// <summary>Gets the version of the event in its stream.</summary>
    public long StreamVersion { get; }

    /// <summary>Gets the global position of the event.</summary>
    public long Position { get; }

    /// <summary>Gets the unregistered type name.</summary>
    public string EventType { get; } = string.Empty;
}
