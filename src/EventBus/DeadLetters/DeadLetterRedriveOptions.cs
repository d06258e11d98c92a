namespace EventBus;

/// <summary>How <see cref="IDeadLetterRedriver.RedriveAsync"/> runs.</summary>
public sealed record DeadLetterRedriveOptions
{
    /// <summary>Gets a value indicating whether to only report what would be redriven, changing nothing.</summary>
    public bool DryRun { get; init; }

    /// <summary>Gets the most events redriven per second; <see langword="null"/> for no limit. Timed with the bus's
    /// <see cref="TimeProvider"/>.</summary>
    public double? MaxEventsPerSecond { get; init; }
}
