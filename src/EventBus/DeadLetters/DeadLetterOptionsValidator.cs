using Microsoft.Extensions.Options;

namespace EventBus.DeadLetters;

/// <summary>Validates <c>EventBus:DeadLetters</c> when the bus starts.</summary>
internal sealed class DeadLetterOptionsValidator : IValidateOptions<EventBusOptions>
{
    public ValidateOptionsResult Validate(string? name, EventBusOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.DeadLetters.Capacity < 1
            ? ValidateOptionsResult.Fail($"{EventBusOptions.SectionName}:DeadLetters:Capacity must be at least 1 (was {options.DeadLetters.Capacity}).")
            : ValidateOptionsResult.Success;
    }
}
