using EventBus.PostgreSql.Serialization;

namespace EventBus.PostgreSql.Sagas;

/// <summary>A pending <see cref="SagaTimeout"/> inside a <see cref="SagaDocument"/>.</summary>
internal sealed class StoredSagaTimeout
{
    public required string Id { get; set; }

    public required string Name { get; set; }

    public DateTimeOffset DueTime { get; set; }

    public required StoredEnvelope Event { get; set; }
}
