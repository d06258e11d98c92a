namespace EventBus;

/// <summary>An event envelope with a typed payload.</summary>
/// <typeparam name="T">The payload type.</typeparam>
public sealed record Event<T> : Event
{
    /// <summary>Initializes a new instance of the <see cref="Event{T}"/> class with a new UUIDv7 id.</summary>
    /// <param name="type">The event type, for example <c>order.placed</c>.</param>
    /// <param name="payload">The event data.</param>
    /// <exception cref="ArgumentException"><paramref name="type"/> is not a valid event type name.</exception>
    public Event(string type, T payload)
        : base(type, payload)
    {
    }

    internal Event(string type, T payload, string id)
        : base(type, payload, id)
    {
    }

    /// <summary>Initializes a new instance with the id <paramref name="id"/> when given, else <paramref name="uuid"/>
    /// formatted when first read; <paramref name="type"/> must have been validated (<see cref="EventTypeName.Validate"/>).</summary>
    internal Event(string type, T payload, string? id, Guid uuid)
        : base(type, payload, id, uuid)
    {
    }

    /// <summary>Gets the typed event data.</summary>
    public new T Payload
    {
        get => (T)base.Payload!;
        init => base.Payload = value;
    }

    /// <summary>Wraps an untyped envelope whose payload is a <typeparamref name="T"/>, keeping every attribute.</summary>
    /// <param name="event">The envelope to wrap.</param>
    /// <returns><paramref name="event"/> itself when it is already typed; otherwise a typed copy.</returns>
    /// <exception cref="InvalidCastException">The payload is not a <typeparamref name="T"/>.</exception>
    public static Event<T> From(Event @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        if (@event is Event<T> typed)
        {
            return typed;
        }

        if (@event.Payload is not T payload)
        {
            throw new InvalidCastException(
                $"Event '{@event.Id}' of type '{@event.Type}' carries a {@event.Payload?.GetType().Name ?? "null"} payload, not a {typeof(T).Name}.");
        }

        return new Event<T>(@event.Type, payload)
        {
            Id = @event.Id,
            Source = @event.Source,
            Time = @event.Time,
            Priority = @event.Priority,
            CorrelationId = @event.CorrelationId,
            CausationId = @event.CausationId,
            DataVersion = @event.DataVersion,
            Subject = @event.Subject,
            DataContentType = @event.DataContentType,
            TraceParent = @event.TraceParent,
            Headers = @event.Headers,
        };
    }
}
