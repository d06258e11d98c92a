using Microsoft.Extensions.Options;

namespace EventBus.Idempotency;

/// <summary>Validates <c>EventBus:Idempotency</c> when the bus starts.</summary>
internal sealed class IdempotencyOptionsValidator : IValidateOptions<EventBusOptions>
{
    public ValidateOptionsResult Validate(string? name, EventBusOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        IdempotencyOptionsValidation.Validate($"{EventBusOptions.SectionName}:Idempotency", options.Idempotency, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
