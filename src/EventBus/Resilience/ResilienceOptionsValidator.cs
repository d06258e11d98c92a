using Microsoft.Extensions.Options;

namespace EventBus.Resilience;

/// <summary>Validates <c>EventBus:Resilience</c> and <c>EventBus:TimeToLive</c> when the bus starts.</summary>
internal sealed class ResilienceOptionsValidator : IValidateOptions<EventBusOptions>
{
    public ValidateOptionsResult Validate(string? name, EventBusOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        ResilienceOptionsValidation.Validate($"{EventBusOptions.SectionName}:Resilience", options.Resilience, failures);
        if (options.TimeToLive is { } ttl && ttl <= TimeSpan.Zero)
        {
            failures.Add($"{EventBusOptions.SectionName}:TimeToLive must be positive, or empty for events that never expire (was {ttl}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
