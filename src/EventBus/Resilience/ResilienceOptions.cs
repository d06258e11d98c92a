using EventBus.Resilience;

namespace EventBus;

/// <summary>The failure policy a subscription runs its handler with: timeouts, retries and a circuit breaker, built
/// into a Polly <c>ResiliencePipeline</c>. Bound from <c>EventBus:Resilience</c>; a subscription may override it with
/// <see cref="SubscriptionOptions.ConfigureResilience"/>.</summary>
/// <remarks>A subscription with no retries, no timeouts, no circuit breaker and no fallback calls its handler directly,
/// with no pipeline in between.</remarks>
public sealed class ResilienceOptions
{
    /// <summary>Gets or sets a value indicating whether the policy applies; <see langword="false"/> calls the handler
    /// directly and dead-letters the first failure.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets the retry settings.</summary>
    public RetryOptions Retry { get; private set; } = new();

    /// <summary>Gets or sets how long one handler attempt may run before it is cancelled and counted as a failure;
    /// <see langword="null"/> for no limit.</summary>
    /// <value>The default value is 5 seconds.</value>
    public TimeSpan? AttemptTimeout { get; set; } = ResilienceConstants.DefaultAttemptTimeout;

    /// <summary>Gets or sets how long handling one event may take across all attempts and retry delays;
    /// <see langword="null"/> for no limit.</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan? OperationTimeout { get; set; } = ResilienceConstants.DefaultOperationTimeout;

    /// <summary>Gets the circuit breaker settings.</summary>
    public CircuitBreakerOptions CircuitBreaker { get; private set; } = new();

    /// <summary>Gets or sets a value indicating whether a subscription's <see cref="SubscriptionOptions.Fallback"/>
    /// is used; when <see langword="false"/>, exhausted events are dead-lettered and an open circuit pauses the
    /// subscription even if a fallback is set.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool FallbackEnabled { get; set; } = true;

    /// <summary>Copies the settings, so a subscription can override the bus-wide policy without changing it.</summary>
    internal ResilienceOptions Clone()
    {
        var copy = (ResilienceOptions)MemberwiseClone();
        copy.Retry = Retry.Clone();
        copy.CircuitBreaker = CircuitBreaker.Clone();
        return copy;
    }
}
