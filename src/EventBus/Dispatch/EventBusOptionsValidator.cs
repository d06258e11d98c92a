using Microsoft.Extensions.Options;

namespace EventBus.Dispatch;

internal sealed class EventBusOptionsValidator : IValidateOptions<EventBusOptions>
{
    public ValidateOptionsResult Validate(string? name, EventBusOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Source))
        {
            failures.Add("EventBus:Source must not be empty.");
        }

        if (options.Capacity < 1)
        {
            failures.Add($"EventBus:Capacity must be at least 1 (was {options.Capacity}).");
        }

        if (options.MaxConcurrency is < 1 or > DispatchConstants.MaxMaxConcurrency)
        {
            failures.Add($"EventBus:MaxConcurrency must be between 1 and {DispatchConstants.MaxMaxConcurrency} (was {options.MaxConcurrency}).");
        }

        if (!Enum.IsDefined(options.OverflowPolicy))
        {
            failures.Add($"EventBus:OverflowPolicy '{options.OverflowPolicy}' is not one of Wait, DropOldest, DropNewest, Fail.");
        }

        if (options.DrainTimeout < TimeSpan.Zero)
        {
            failures.Add($"EventBus:DrainTimeout must not be negative (was {options.DrainTimeout}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
