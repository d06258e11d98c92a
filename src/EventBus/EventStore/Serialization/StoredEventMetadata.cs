namespace EventBus.EventStore.Serialization;

/// <summary>The envelope attributes kept next to the payload; the id, type and data version are columns of their own.</summary>
internal sealed class StoredEventMetadata
{
    public string? Source { get; set; }

    public DateTimeOffset Time { get; set; }

    public string? Subject { get; set; }

    public string? CorrelationId { get; set; }

    public string? CausationId { get; set; }

    public int Priority { get; set; }

    public string? TraceParent { get; set; }

    public string? DataContentType { get; set; }

    public Dictionary<string, string>? Headers { get; set; }
}
