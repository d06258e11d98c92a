using System.Globalization;

namespace EventBus.Resilience;

/// <summary>Checks a <see cref="ResilienceOptions"/>, naming each bad setting by its configuration path.</summary>
internal static class ResilienceOptionsValidation
{
    public static void Validate(string prefix, ResilienceOptions? options, List<string> failures)
    {
        if (options is null)
        {
            failures.Add($"{prefix} must not be null.");
            return;
        }

        var retry = options.Retry;
        if (retry.MaxRetryAttempts is < 0 or > ResilienceConstants.MaxMaxRetryAttempts)
        {
            failures.Add($"{prefix}:Retry:MaxRetryAttempts must be between 0 and {ResilienceConstants.MaxMaxRetryAttempts} (was {retry.MaxRetryAttempts}).");
        }

        if (retry.Delay < TimeSpan.Zero)
        {
            failures.Add($"{prefix}:Retry:Delay must not be negative (was {retry.Delay}).");
        }

        if (retry.MaxDelay < retry.Delay)
        {
            failures.Add($"{prefix}:Retry:MaxDelay must be at least Retry:Delay (was {retry.MaxDelay}, Delay is {retry.Delay}).");
        }

        ValidateTimeout($"{prefix}:AttemptTimeout", options.AttemptTimeout, failures);
        ValidateTimeout($"{prefix}:OperationTimeout", options.OperationTimeout, failures);

        var breaker = options.CircuitBreaker;
        if (!breaker.Enabled)
        {
            return;
        }

        if (double.IsNaN(breaker.FailureRatio) || breaker.FailureRatio <= 0 || breaker.FailureRatio > 1)
        {
            failures.Add($"{prefix}:CircuitBreaker:FailureRatio must be greater than 0 and at most 1 (was {breaker.FailureRatio.ToString(CultureInfo.InvariantCulture)}).");
        }

        if (breaker.MinimumThroughput < 2)
        {
            failures.Add($"{prefix}:CircuitBreaker:MinimumThroughput must be at least 2 (was {breaker.MinimumThroughput}).");
        }

        if (breaker.SamplingDuration < ResilienceConstants.MinSamplingDuration)
        {
            failures.Add($"{prefix}:CircuitBreaker:SamplingDuration must be at least {ResilienceConstants.MinSamplingDuration} (was {breaker.SamplingDuration}).");
        }

        if (breaker.BreakDuration < ResilienceConstants.MinBreakDuration)
        {
            failures.Add($"{prefix}:CircuitBreaker:BreakDuration must be at least {ResilienceConstants.MinBreakDuration} (was {breaker.BreakDuration}).");
        }
    }

    private static void ValidateTimeout(string name, TimeSpan? timeout, List<string> failures)
    {
        if (timeout is { } value && (value < ResilienceConstants.MinTimeout || value > ResilienceConstants.MaxTimeout))
        {
            failures.Add($"{name} must be between {ResilienceConstants.MinTimeout} and {ResilienceConstants.MaxTimeout}, or empty for no limit (was {value}).");
        }
    }
}
