using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using EventBus.PostgreSql.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EventBus.PostgreSql.Serialization;

/// <summary>Turns envelopes and user types (payloads, saga state) into JSON and back for the dead-letter and saga
/// stores, with the event store's serializer settings (<see cref="EventStoreOptions.JsonSerializerOptions"/>).</summary>
/// <remarks>A payload is read back as the CLR type the <see cref="IEventTypeRegistry"/> maps its event type name to.
/// A name the registry does not know — or data that no longer fits the registered type — is never resolved any other
/// way: the payload comes back as a <see cref="JsonElement"/> holding the stored JSON unchanged, so the entry still
/// reads, and storing it again writes the same JSON.</remarks>
internal sealed class PostgreSqlJson
{
    private static readonly IReadOnlyDictionary<string, string> NoHeaders = FrozenDictionary<string, string>.Empty;
    private static readonly JsonElement NullElement = JsonElement.Parse("null");

    private readonly IEventTypeRegistry _types;
    private readonly ILogger _logger;

    public PostgreSqlJson(IOptions<EventStoreOptions> options, IEventTypeRegistry types, ILogger<PostgreSqlJson> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(types);
        ArgumentNullException.ThrowIfNull(logger);
        var json = options.Value.JsonSerializerOptions
            ?? throw new InvalidOperationException("EventStoreOptions.JsonSerializerOptions must not be null.");
        if (json.TypeInfoResolver is null)
        {
            // Options created with 'new JsonSerializerOptions { ... }': a copy with the default metadata, so the
            // caller's instance is left for the event store to complete the same way.
            json = new JsonSerializerOptions(json) { TypeInfoResolver = CreateDefaultResolver() };
        }

        json.MakeReadOnly();
        Options = json;
        _types = types;
        _logger = logger;
    }

    /// <summary>Gets the settings for payloads and saga state.</summary>
    public JsonSerializerOptions Options { get; }

    public StoredEnvelope ToStored(Event @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        return new StoredEnvelope
        {
            Id = @event.Id,
            Type = @event.Type,
            DataVersion = @event.DataVersion,
            Data = SerializePayload(@event),
            Source = @event.Source,
            Time = @event.Time,
            Subject = @event.Subject,
            CorrelationId = @event.CorrelationId,
            CausationId = @event.CausationId,
            Priority = (int)@event.Priority,
            TraceParent = @event.TraceParent,
            DataContentType = @event.DataContentType,
            Headers = @event.Headers.Count == 0 ? null : new Dictionary<string, string>(@event.Headers, StringComparer.Ordinal),
        };
    }

    public Event FromStored(StoredEnvelope stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        return new Event(stored.Type, ReadPayload(stored))
        {
            Id = stored.Id,
            DataVersion = string.IsNullOrWhiteSpace(stored.DataVersion) ? Event.DefaultDataVersion : stored.DataVersion,
            Source = stored.Source,
            Time = stored.Time,
            Subject = stored.Subject,
            CorrelationId = stored.CorrelationId,
            CausationId = stored.CausationId,
            Priority = stored.Priority is (int)EventPriority.Low or (int)EventPriority.High ? (EventPriority)stored.Priority : EventPriority.Normal,
            TraceParent = stored.TraceParent,
            DataContentType = stored.DataContentType,
            Headers = stored.Headers is { Count: > 0 } headers ? headers : NoHeaders,
        };
    }

    /// <summary>Serializes a user value (saga state) as the type the caller names, never a stored name.</summary>
    public byte[] Serialize<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T)));

    /// <summary>Deserializes a user value (saga state) as the type the caller names, never a stored name.</summary>
    public T? Deserialize<T>(ReadOnlySpan<byte> json) => JsonSerializer.Deserialize(json, (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T)));

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Only used when the app enables reflection-based serialization.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Only used when the app enables reflection-based serialization.")]
    private static IJsonTypeInfoResolver CreateDefaultResolver() =>
        JsonSerializer.IsReflectionEnabledByDefault ? new DefaultJsonTypeInfoResolver() : JsonTypeInfoResolver.Combine();

    private JsonElement SerializePayload(Event @event)
    {
        switch (@event.Payload)
        {
            case null:
                return NullElement;
            case JsonElement raw:
                // A payload read back as raw JSON (unregistered type) is written back unchanged.
                return raw.ValueKind == JsonValueKind.Undefined ? NullElement : raw;
        }

        var payload = @event.Payload;
        try
        {
            return JsonSerializer.SerializeToElement(payload, Options.GetTypeInfo(payload.GetType()));
        }
        catch (Exception ex) when (ex is NotSupportedException or JsonException or InvalidOperationException)
        {
            throw new JsonException(
                $"The payload of event '{@event.Id}' (type '{@event.Type}', CLR type {payload.GetType().FullName}) cannot be serialized to JSON: {ex.Message} Make the payload JSON-serializable, or add its metadata to EventStoreOptions.JsonSerializerOptions.",
                ex);
        }
    }

    private object? ReadPayload(StoredEnvelope stored)
    {
        var data = stored.Data;
        if (data.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            return null;
        }

        if (!_types.TryGetPayloadType(stored.Type, out var payloadType))
        {
            return data;
        }

        try
        {
            return data.Deserialize(Options.GetTypeInfo(payloadType));
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException)
        {
            Log.PayloadKeptAsJson(_logger, stored.Id, stored.Type, payloadType.FullName ?? payloadType.Name, ex);
            return data;
        }
    }
}
