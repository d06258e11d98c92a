using System.Globalization;
using EventBus.DeadLetters;
using Microsoft.Extensions.Options;

namespace EventBus.Diagnostics;

/// <summary>Validates <c>EventBus:Diagnostics</c> when the bus starts.</summary>
internal sealed class DiagnosticsOptionsValidator : IValidateOptions<EventBusOptions>
{
    public ValidateOptionsResult Validate(string? name, EventBusOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var health = options.Diagnostics.HealthCheck;
        const string Prefix = EventBusOptions.SectionName + ":Diagnostics:HealthCheck";
        if (health.Interval <= TimeSpan.Zero)
        {
            failures.Add($"{Prefix}:Interval must be positive (was {health.Interval}).");
        }

        if (double.IsNaN(health.QueueCapacityThreshold) || health.QueueCapacityThreshold <= 0 || health.QueueCapacityThreshold > 1)
        {
            failures.Add($"{Prefix}:QueueCapacityThreshold must be greater than 0 and at most 1 (was {health.QueueCapacityThreshold.ToString(CultureInfo.InvariantCulture)}).");
        }

        if (health.DeadLetterThreshold is < 1 or > DeadLetterSink.RecentCapacity)
        {
            failures.Add($"{Prefix}:DeadLetterThreshold must be between 1 and {DeadLetterSink.RecentCapacity} (was {health.DeadLetterThreshold}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
