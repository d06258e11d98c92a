namespace EventBus;

public sealed partial class EventBusOptions
{
    /// <summary>Gets the default failure policy of every subscription (retries, timeouts, circuit breaker).</summary>
    public ResilienceOptions Resilience { get; } = new();

    /// <summary>Gets or sets how long after its <see cref="Event.Time"/> an event may still be handled; older events
    /// are dead-lettered with <see cref="DeadLetterReason.Expired"/>. <see langword="null"/> means events never expire.</summary>
    /// <remarks>Redriven dead letters are not expired again.</remarks>
    /// <value>The default value is <see langword="null"/>.</value>
    public TimeSpan? TimeToLive { get; set; }
}
