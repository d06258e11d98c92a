using System.Text.Json;

namespace EventBus.PostgreSql.Serialization;

/// <summary>An event envelope as the PostgreSQL stores keep it inside their JSON documents: the CloudEvents attributes
/// and the payload as JSON. The event type name is the only link to a CLR type, resolved through the
/// <see cref="IEventTypeRegistry"/> when read.</summary>
internal sealed class StoredEnvelope
{
    public required string Id { get; set; }

    public required string Type { get; set; }

    public string DataVersion { get; set; } = Event.DefaultDataVersion;

    /// <summary>Gets or sets the payload as JSON (<see cref="JsonValueKind.Null"/> for no payload).</summary>
    public JsonElement Data { get; set; }

    public string? Source { get; set; }

    public DateTimeOffset Time { get; set; }

    public string? Subject { get; set; }

    public string? CorrelationId { get; set; }

    public string? CausationId { get; set; }

    public int Priority { get; set; } = (int)EventPriority.Normal;

    public string? TraceParent { get; set; }

    public string? DataContentType { get; set; }

    public Dictionary<string, string>? Headers { get; set; }
}
