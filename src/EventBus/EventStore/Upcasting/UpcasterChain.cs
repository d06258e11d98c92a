using System.Buffers;
using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EventBus.EventStore.Upcasting;

/// <summary>The upcasters registered per (event type, data version), composed into chains v1 → v2 → v3 applied on
/// read before deserialization.</summary>
internal sealed class UpcasterChain
{
    private readonly FrozenDictionary<(string Type, string Version), UpcasterRegistration> _steps;

    public UpcasterChain(IEnumerable<UpcasterRegistration> registrations)
    {
        var steps = new Dictionary<(string, string), UpcasterRegistration>();
        foreach (var registration in registrations)
        {
            if (!steps.TryAdd((registration.EventType, registration.FromVersion), registration))
            {
                throw new ArgumentException(
                    $"Two upcasters are registered for event type '{registration.EventType}' at data version '{registration.FromVersion}'; register one per version.",
                    nameof(registrations));
            }
        }

        // A cycle would loop forever on read: refuse it at start instead.
        foreach (var (type, version) in steps.Keys)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal) { version };
            var current = version;
            while (steps.TryGetValue((type, current), out var step))
            {
                current = step.ToVersion;
                if (!seen.Add(current))
                {
                    throw new ArgumentException(
                        $"The upcasters of event type '{type}' form a cycle through data version '{current}'.", nameof(registrations));
                }
            }
        }

        _steps = steps.ToFrozenDictionary();
    }

    public bool IsEmpty => _steps.Count == 0;

    /// <summary>Applies every step that starts at <paramref name="version"/> and continues from where it ends.</summary>
    /// <returns><see langword="true"/> if at least one step applied; otherwise, <see langword="false"/>.</returns>
    public bool TryUpcast(string eventType, string version, ReadOnlyMemory<byte> data, out string upcastVersion, out byte[] upcastData)
    {
        upcastVersion = version;
        upcastData = [];
        if (!_steps.TryGetValue((eventType, version), out var step))
        {
            return false;
        }

        var json = JsonNode.Parse(data.Span) as JsonObject
            ?? throw new JsonException($"Event type '{eventType}' at data version '{version}' is not a JSON object, so it cannot be upcast.");
        do
        {
            json = step.Upcast(json) ?? throw new InvalidOperationException(
                $"The upcaster of event type '{eventType}' from '{step.FromVersion}' to '{step.ToVersion}' returned null.");
            upcastVersion = step.ToVersion;
        }
        while (_steps.TryGetValue((eventType, upcastVersion), out step));

        var buffer = new ArrayBufferWriter<byte>(data.Length + 64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            json.WriteTo(writer);
        }

        upcastData = buffer.WrittenSpan.ToArray();
        return true;
    }
}
