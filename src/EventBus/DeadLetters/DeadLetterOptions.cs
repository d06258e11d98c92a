using EventBus.DeadLetters;

namespace EventBus;

/// <summary>Settings of the in-memory dead-letter store; bound from <c>EventBus:DeadLetters</c>.</summary>
public sealed class DeadLetterOptions
{
    /// <summary>Gets or sets how many dead letters the in-memory store keeps. When it is full the oldest entry is
    /// evicted to make room; every eviction is logged and counted (<c>eventbus.dead_letters.evicted</c>).</summary>
    /// <value>The default value is 10,000.</value>
    public int Capacity { get; set; } = DeadLetterConstants.DefaultCapacity;
}
