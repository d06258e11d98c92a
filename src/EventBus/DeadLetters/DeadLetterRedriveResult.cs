namespace EventBus;

/// <summary>What a redrive did.</summary>
public sealed record DeadLetterRedriveResult
{
    /// <summary>Gets a value indicating whether this was a dry run (nothing was delivered or deleted).</summary>
    public required bool DryRun { get; init; }

    /// <summary>Gets the entries the query matched, in the order they were (or would be) redriven.</summary>
    public required IReadOnlyList<DeadLetter> Matched { get; init; }

    /// <summary>Gets how many redriven events were handled (by the handler, its fallback, or dropped as duplicates).</summary>
    public int Succeeded { get; init; }

    /// <summary>Gets how many redriven events failed again and are back in the store.</summary>
    public int Failed { get; init; }

    /// <summary>Gets how many entries were left in the store because their subscription does not exist.</summary>
    public int Skipped { get; init; }

    /// <summary>Gets how many matched entries the store could not read (<see cref="DeadLetter.ReadError"/>); they were
    /// left in the store, not redriven.</summary>
    public int Unreadable { get; init; }
}
