namespace EventBus.Resilience;

/// <summary>Which of a delivery's two time limits a <see cref="DeferredTimeout"/> enforces.</summary>
internal enum TimeoutSlot
{
    /// <summary>The limit on one pipeline execution: every attempt and retry delay of one delivery.</summary>
    Operation = 0,

    /// <summary>The limit on one attempt of the handler.</summary>
    Attempt = 1,
}
