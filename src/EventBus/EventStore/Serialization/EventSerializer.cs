using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using EventBus.Diagnostics;
using EventBus.EventStore.Upcasting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EventBus.EventStore.Serialization;

/// <summary>Turns payloads into <see cref="EventData"/> and <see cref="EventRecord"/>s back into envelopes, through
/// the event-type registry only: a type name read from storage is never resolved to a CLR type any other way.</summary>
internal sealed class EventSerializer
{
    private readonly EventStoreOptions _options;
    private readonly JsonSerializerOptions _json;
    private readonly IEventTypeRegistry _types;
    private readonly UpcasterChain _upcasters;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<EventSerializer> _logger;

    // One envelope per registered type name, copied for each event read (a with-expression copies it without
    // running the public constructor, which would generate and format a new UUIDv7 only for the stored id to
    // replace it). Only registered names get here, so the cache is bounded by the registry.
    private readonly ConcurrentDictionary<string, Event> _templates = new(StringComparer.Ordinal);

    public EventSerializer(IOptions<EventStoreOptions> options, IEventTypeRegistry types, UpcasterChain upcasters, TimeProvider timeProvider, ILogger<EventSerializer> logger)
    {
        _options = options.Value;
        _json = _options.JsonSerializerOptions ?? throw new InvalidOperationException("EventStoreOptions.JsonSerializerOptions must not be null.");
        if (_json.TypeInfoResolver is null && !_json.IsReadOnly)
        {
            // Options created with 'new JsonSerializerOptions { ... }' get the same default metadata as the built-in ones.
            _json.TypeInfoResolver = EventStoreJson.CreateDefaultOptions().TypeInfoResolver;
        }

        _json.MakeReadOnly();
        _types = types;
        _upcasters = upcasters;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public JsonTypeInfo<T> GetTypeInfo<T>() => (JsonTypeInfo<T>)_json.GetTypeInfo(typeof(T));

    public EventData Serialize(object item, string streamId)
    {
        ArgumentNullException.ThrowIfNull(item);
        var parent = EventContext.Current;
        Event envelope;
        if (item is Event given)
        {
            envelope = given;
        }
        else
        {
            envelope = new Event(_types.GetTypeName(item.GetType()), item);
        }

        var payload = envelope.Payload;
        var data = payload is null ? "null"u8.ToArray() : JsonSerializer.SerializeToUtf8Bytes(payload, _json.GetTypeInfo(payload.GetType()));
        var metadata = new StoredEventMetadata
        {
            Source = envelope.Source,
            Time = envelope.Time == default ? _timeProvider.GetUtcNow() : envelope.Time,
            Subject = envelope.Subject ?? streamId,
            CorrelationId = envelope.CorrelationId ?? parent?.CorrelationId ?? envelope.Id,
            CausationId = envelope.CausationId ?? parent?.Id,
            Priority = (int)envelope.Priority,
            TraceParent = envelope.TraceParent,
            DataContentType = envelope.DataContentType,
            Headers = envelope.Headers.Count == 0 ? null : new Dictionary<string, string>(envelope.Headers, StringComparer.Ordinal),
        };
        var metadataBytes = JsonSerializer.SerializeToUtf8Bytes(metadata, EventStoreJsonContext.Default.StoredEventMetadata);
        return new EventData(envelope.Id, envelope.Type, data, metadataBytes, envelope.DataVersion);
    }

    /// <summary>Deserializes a stored event; returns <see langword="null"/> when its type is unknown and unknown types
    /// are skipped.</summary>
    /// <exception cref="UnknownEventTypeException">The type is unknown and unknown types fail.</exception>
    public StoredEvent? Deserialize(EventRecord record)
    {
        if (!_types.TryGetPayloadType(record.EventType, out var payloadType))
        {
            if (_options.UnknownEventTypes == UnknownEventTypeHandling.Skip)
            {
                Log.UnknownEventTypeSkipped(_logger, record.EventType, record.StreamId, record.StreamVersion, record.Position);
                _options.OnUnknownEventType?.Invoke(new OnUnknownEventTypeArguments(record));
                return null;
            }

            throw new UnknownEventTypeException(record.StreamId, record.StreamVersion, record.Position, record.EventType);
        }

        var dataVersion = record.DataVersion;
        var data = record.Data;
        if (!_upcasters.IsEmpty && _upcasters.TryUpcast(record.EventType, record.DataVersion, record.Data, out var upcastVersion, out var upcastData))
        {
            dataVersion = upcastVersion;
            data = upcastData;
        }

        object? payload;
        try
        {
            payload = JsonSerializer.Deserialize(data.Span, _json.GetTypeInfo(payloadType));
        }
        catch (JsonException ex)
        {
            throw new JsonException(
                $"The event at version {record.StreamVersion} of stream '{record.StreamId}' (global position {record.Position}, type '{record.EventType}', data version '{dataVersion}') could not be deserialized: {ex.Message}",
                ex);
        }

        var metadata = record.Metadata.IsEmpty
            ? new StoredEventMetadata()
            : StoredEventMetadataReader.TryRead(record.Metadata.Span, (record.StreamId, record.EventId), out var read)
                ? read
                : JsonSerializer.Deserialize(record.Metadata.Span, EventStoreJsonContext.Default.StoredEventMetadata) ?? new StoredEventMetadata();
        var template = _templates.GetOrAdd(record.EventType, static type => new Event(type));
        var @event = template with
        {
            Payload = payload,
            Id = record.EventId,
            DataVersion = dataVersion,
            Source = metadata.Source,
            Time = metadata.Time == default ? record.Recorded : metadata.Time,
            Subject = metadata.Subject,
            CorrelationId = metadata.CorrelationId,
            CausationId = metadata.CausationId,
            Priority = metadata.Priority is (int)EventPriority.Low or (int)EventPriority.High ? (EventPriority)metadata.Priority : EventPriority.Normal,
            TraceParent = metadata.TraceParent,
            DataContentType = metadata.DataContentType,
            Headers = metadata.Headers is { Count: > 0 } headers ? headers : Event.NoHeaders,
        };
        return new StoredEvent(record.StreamId, record.StreamVersion, record.Position, record.Recorded, @event);
    }
}
