using EventBus.Idempotency;

namespace EventBus;

/// <summary>Whether and for how long a subscription remembers the ids of events it handled, to drop redeliveries.
/// Bound from <c>EventBus:Idempotency</c>; a subscription may override it with
/// <see cref="SubscriptionOptions.ConfigureIdempotency"/>.</summary>
/// <remarks>An id is remembered while either limit holds: the last <see cref="MaxCount"/> ids, each for at most
/// <see cref="Window"/>. Leave one of them <see langword="null"/> to limit by the other only. An event whose handler
/// fails is forgotten, so a redriven dead letter is handled again.</remarks>
public sealed class IdempotencyOptions
{
    /// <summary>Gets or sets a value indicating whether duplicate event ids are dropped.</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool Enabled { get; set; }

    /// <summary>Gets or sets how many handled ids each subscription remembers; <see langword="null"/> for no count limit.</summary>
    /// <value>The default value is 10,000.</value>
    public int? MaxCount { get; set; } = IdempotencyConstants.DefaultMaxCount;

    /// <summary>Gets or sets how long a handled id is remembered; <see langword="null"/> for no time limit.</summary>
    /// <value>The default value is 1 hour.</value>
    public TimeSpan? Window { get; set; } = IdempotencyConstants.DefaultWindow;

    internal IdempotencyOptions Clone() => (IdempotencyOptions)MemberwiseClone();
}
