namespace EventBus;

/// <summary>What a saga store keeps about one saga instance, apart from its state: status, current step, completed
/// and compensated steps, pending timeouts, parked events, applied event ids and history.</summary>
/// <remarks>Instances are immutable; the engine saves a new one for every change. <see cref="SagaInstance{TState}"/>
/// adds the saga's state. Queries return instances typed as this base: the in-memory store returns them with their
/// state type; a durable store that does not know the state type may return them with the state as raw JSON.</remarks>
public abstract record SagaInstance
{
    /// <summary>Gets the name of the saga, such as <c>OrderSaga</c>.</summary>
    public required string SagaName { get; init; }

    /// <summary>Gets the key that maps events to this instance (the correlation id, or a payload property).</summary>
    public required string CorrelationKey { get; init; }

    /// <summary>Gets the version the store holds; 0 for an instance never saved. Every save adds 1.</summary>
    public long Version { get; init; }

    /// <summary>Gets the status.</summary>
    public SagaStatus Status { get; init; }

    /// <summary>Gets the step the saga is in, as its handlers named it; <see langword="null"/> before the first.</summary>
    public string? CurrentStep { get; init; }

    /// <summary>Gets the correlation id of the event that started the saga (or the first event seen).</summary>
    public string? CorrelationId { get; init; }

    /// <summary>Gets when the instance was created.</summary>
    public DateTimeOffset CreatedTime { get; init; }

    /// <summary>Gets when the instance last changed.</summary>
    public DateTimeOffset UpdatedTime { get; init; }

    /// <summary>Gets why the saga is compensating or compensated; <see langword="null"/> otherwise.</summary>
    public string? CompensationReason { get; init; }

    /// <summary>Gets the completed steps that have a compensation, in the order they completed.</summary>
    public IReadOnlyList<string> CompletedSteps { get; init; } = [];

    /// <summary>Gets the steps whose compensation ran, in the order it ran (the reverse of completion).</summary>
    public IReadOnlyList<string> CompensatedSteps { get; init; } = [];

    /// <summary>Gets the step whose compensation ran and waits for its confirmation, if any.</summary>
    public string? AwaitingCompensation { get; init; }

    /// <summary>Gets the timeouts scheduled and not yet due or cancelled.</summary>
    public IReadOnlyList<SagaTimeout> Timeouts { get; init; } = [];

    /// <summary>Gets the events that arrived out of order and wait for the step that expects them, oldest first.</summary>
    public IReadOnlyList<Event> ParkedEvents { get; init; } = [];

    /// <summary>Gets the events the saga published with its last change and that are not known to be on the bus yet:
    /// saved with the change, then published, then cleared. Left-overs are published again (with the same ids) with
    /// the instance's next change or when the saga next starts.</summary>
    public IReadOnlyList<Event> Outbox { get; init; } = [];

    /// <summary>Gets the ids of the most recent events applied or parked, so a redelivered event changes nothing.</summary>
    public IReadOnlyList<string> ProcessedEventIds { get; init; } = [];

    /// <summary>Gets what happened to the instance, oldest first.</summary>
    public IReadOnlyList<SagaHistoryEntry> History { get; init; } = [];

    /// <summary>Gets a value indicating whether the saga finished (<see cref="SagaStatus.Completed"/> or
    /// <see cref="SagaStatus.Compensated"/>).</summary>
    public bool IsFinished => Status is SagaStatus.Completed or SagaStatus.Compensated;
}
