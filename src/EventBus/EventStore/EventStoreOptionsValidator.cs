using Microsoft.Extensions.Options;

namespace EventBus.EventStore;

internal sealed class EventStoreOptionsValidator : IValidateOptions<EventStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, EventStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.JsonSerializerOptions is null)
        {
            failures.Add("EventStore:JsonSerializerOptions must not be null.");
        }

        if (!Enum.IsDefined(options.UnknownEventTypes))
        {
            failures.Add($"EventStore:UnknownEventTypes '{options.UnknownEventTypes}' is not one of Fail, Skip.");
        }

        if (options.OutboxBatchSize < 1)
        {
            failures.Add($"EventStore:OutboxBatchSize must be at least 1 (was {options.OutboxBatchSize}).");
        }

        if (options.OutboxRetryDelay < TimeSpan.Zero)
        {
            failures.Add($"EventStore:OutboxRetryDelay must not be negative (was {options.OutboxRetryDelay}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
