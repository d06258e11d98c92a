using EventBus.Resilience;

namespace EventBus;

/// <summary>How a failing handler is retried: exponential backoff with jitter, in the bus's <see cref="TimeProvider"/>.</summary>
public sealed class RetryOptions
{
    /// <summary>Gets or sets how many times a failed handler is retried after the first attempt; 0 disables retries.</summary>
    /// <value>The default value is 3.</value>
    public int MaxRetryAttempts { get; set; } = ResilienceConstants.DefaultMaxRetryAttempts;

    /// <summary>Gets or sets the base delay before the first retry; later retries double it.</summary>
    /// <value>The default value is 200 milliseconds.</value>
    public TimeSpan Delay { get; set; } = ResilienceConstants.DefaultRetryDelay;

    /// <summary>Gets or sets the longest delay between two attempts.</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan MaxDelay { get; set; } = ResilienceConstants.DefaultMaxRetryDelay;

    /// <summary>Gets or sets a value indicating whether delays are randomized so that failing subscriptions do not
    /// retry in lockstep.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool UseJitter { get; set; } = true;

    internal RetryOptions Clone() => (RetryOptions)MemberwiseClone();
}
