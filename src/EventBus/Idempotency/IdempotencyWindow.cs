namespace EventBus;

/// <summary>How long an <see cref="IInbox"/> remembers a handled event id for one subscription.</summary>
/// <param name="MaxCount">How many ids to remember per subscription; <see langword="null"/> for no count limit.</param>
/// <param name="Duration">How long to remember each id; <see langword="null"/> for no time limit.</param>
public readonly record struct IdempotencyWindow(int? MaxCount, TimeSpan? Duration);
