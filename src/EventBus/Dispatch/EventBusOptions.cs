namespace EventBus;

/// <summary>Bus-wide settings and subscription defaults; bindable from the <c>"EventBus"</c> configuration section.</summary>
public sealed partial class EventBusOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "EventBus";

    /// <summary>Gets or sets the CloudEvents <c>source</c> stamped on events published without one.</summary>
    /// <value>The default value is <c>"/eventbus"</c>.</value>
    public string Source { get; set; } = DispatchConstants.DefaultSource;

    /// <summary>Gets or sets how many events a subscription may hold queued before its overflow policy applies.</summary>
    /// <value>The default value is 10,000.</value>
    public int Capacity { get; set; } = DispatchConstants.DefaultCapacity;

    /// <summary>Gets or sets what a full subscription does with another event.</summary>
    /// <value>The default value is <see cref="EventBus.OverflowPolicy.Wait"/>.</value>
    public OverflowPolicy OverflowPolicy { get; set; } = OverflowPolicy.Wait;

    /// <summary>Gets or sets how many events a subscription handles at once.</summary>
    /// <value>The default value is 1: events are handled one at a time, in order within a priority.</value>
    public int MaxConcurrency { get; set; } = DispatchConstants.DefaultMaxConcurrency;

    /// <summary>Gets or sets how long stopping the bus waits for queued events to be handled.</summary>
    /// <remarks>Events still queued after it are dead-lettered with <see cref="DeadLetterReason.NotDrained"/>.</remarks>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan DrainTimeout { get; set; } = DispatchConstants.DefaultDrainTimeout;
}
