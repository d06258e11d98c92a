namespace EventBus;

/// <summary>Envelope attributes for <see cref="IEventBus.PublishAsync{T}(T, PublishOptions?, CancellationToken)"/>.</summary>
public sealed class PublishOptions
{
    /// <summary>Gets the event id; a new UUIDv7 when <see langword="null"/>.</summary>
    public string? Id { get; init; }

    /// <summary>Gets the priority; <see cref="EventPriority.Normal"/> when <see langword="null"/>.</summary>
    public EventPriority? Priority { get; init; }

    /// <summary>Gets the subject, the default ordering key.</summary>
    public string? Subject { get; init; }

    /// <summary>Gets the correlation id; inherited from the event being handled, or the event's own id, when <see langword="null"/>.</summary>
    public string? CorrelationId { get; init; }

    /// <summary>Gets the causation id; the id of the event being handled when <see langword="null"/>.</summary>
    public string? CausationId { get; init; }

    /// <summary>Gets the source; <see cref="EventBusOptions.Source"/> when <see langword="null"/>.</summary>
    public string? Source { get; init; }

    /// <summary>Gets the payload schema version; <c>"1.0"</c> when <see langword="null"/>.</summary>
    public string? DataVersion { get; init; }

    /// <summary>Gets extra headers.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }
}
