using EventBus.Resilience;

namespace EventBus;

/// <summary>When a subscription stops calling its failing handler for a while. While the circuit is open the
/// subscription's events stay queued; after <see cref="BreakDuration"/> one event probes the handler (half-open).</summary>
public sealed class CircuitBreakerOptions
{
    /// <summary>Gets or sets a value indicating whether the subscription has a circuit breaker.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets the share of failed attempts, within <see cref="SamplingDuration"/>, that opens the circuit.</summary>
    /// <value>The default value is 0.5 (50 %).</value>
    public double FailureRatio { get; set; } = ResilienceConstants.DefaultFailureRatio;

    /// <summary>Gets or sets how many attempts must be seen within <see cref="SamplingDuration"/> before the failure
    /// ratio is considered.</summary>
    /// <value>The default value is 10.</value>
    public int MinimumThroughput { get; set; } = ResilienceConstants.DefaultMinimumThroughput;

    /// <summary>Gets or sets the window over which the failure ratio is measured.</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan SamplingDuration { get; set; } = ResilienceConstants.DefaultSamplingDuration;

    /// <summary>Gets or sets how long the circuit stays open before a probe is let through.</summary>
    /// <value>The default value is 60 seconds.</value>
    public TimeSpan BreakDuration { get; set; } = ResilienceConstants.DefaultBreakDuration;

    internal CircuitBreakerOptions Clone() => (CircuitBreakerOptions)MemberwiseClone();
}
