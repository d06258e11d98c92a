namespace EventBus;

/// <summary>What happened to a saga instance in one <see cref="SagaHistoryEntry"/>.</summary>
public enum SagaHistoryKind
{
    /// <summary>An event started the saga.</summary>
    Started,

    /// <summary>An event was handled.</summary>
    Handled,

    /// <summary>An event arrived out of order and was parked.</summary>
    Parked,

    /// <summary>A parked event was dropped because the saga finished without reaching a step that expects it.</summary>
    Dropped,

    /// <summary>A step failed and compensation started; the note holds the reason.</summary>
    CompensationStarted,

    /// <summary>The compensation of a completed step ran.</summary>
    StepCompensated,

    /// <summary>The compensation of a step is waiting for its confirmation.</summary>
    AwaitingCompensation,

    /// <summary>The saga completed.</summary>
    Completed,

    /// <summary>Every completed step was compensated; the saga ended.</summary>
    Compensated,
}
