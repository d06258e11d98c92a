namespace EventBus;

/// <summary>One thing that happened to a saga instance, for operators and tests.</summary>
/// <param name="Time">When it happened, from the bus's <see cref="TimeProvider"/>.</param>
/// <param name="Kind">What happened.</param>
/// <param name="EventId">The id of the event being handled.</param>
/// <param name="EventType">The type of the event being handled.</param>
/// <param name="Step">The current step after the entry (or the compensated step for
/// <see cref="SagaHistoryKind.StepCompensated"/>).</param>
/// <param name="Note">Extra detail, such as a compensation reason.</param>
public sealed record SagaHistoryEntry(
    DateTimeOffset Time,
    SagaHistoryKind Kind,
    string EventId,
    string EventType,
    string? Step,
    string? Note = null);
