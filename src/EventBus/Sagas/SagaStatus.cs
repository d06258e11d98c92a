namespace EventBus;

/// <summary>Where a saga instance is in its life.</summary>
public enum SagaStatus
{
    /// <summary>Events arrived for the instance before the event that starts it; they are parked until it starts.</summary>
    Pending,

    /// <summary>The saga started and is handling events.</summary>
    Active,

    /// <summary>A step failed; the compensations of the completed steps are running, latest first.</summary>
    Compensating,

    /// <summary>The saga finished successfully.</summary>
    Completed,

    /// <summary>The saga failed and every completed step was compensated; the reason is recorded.</summary>
    Compensated,
}
