using EventBus.PostgreSql.Serialization;

namespace EventBus.PostgreSql.Sagas;

/// <summary>A saga instance as JSON, apart from its state and the columns queries filter on (name, key, version,
/// status).</summary>
internal sealed class SagaDocument
{
    public string? CurrentStep { get; set; }

    public string? CorrelationId { get; set; }

    public DateTimeOffset CreatedTime { get; set; }

    public DateTimeOffset UpdatedTime { get; set; }

    public string? CompensationReason { get; set; }

    public List<string>? CompletedSteps { get; set; }

    public List<string>? CompensatedSteps { get; set; }

    public string? AwaitingCompensation { get; set; }

    public List<StoredSagaTimeout>? Timeouts { get; set; }

    public List<StoredEnvelope>? ParkedEvents { get; set; }

    public List<StoredEnvelope>? Outbox { get; set; }

    public List<string>? ProcessedEventIds { get; set; }

    public List<SagaHistoryEntry>? History { get; set; }
}
