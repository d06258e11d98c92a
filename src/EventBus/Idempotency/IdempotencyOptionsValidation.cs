namespace EventBus.Idempotency;

/// <summary>Checks an <see cref="IdempotencyOptions"/>, naming each bad setting by its configuration path.</summary>
internal static class IdempotencyOptionsValidation
{
    public static void Validate(string prefix, IdempotencyOptions options, List<string> failures)
    {
        if (!options.Enabled)
        {
            return;
        }

        if (options.MaxCount is null && options.Window is null)
        {
            failures.Add($"{prefix}:MaxCount and {prefix}:Window are both empty; set at least one to bound what is remembered.");
        }

        if (options.MaxCount is < 1)
        {
            failures.Add($"{prefix}:MaxCount must be at least 1 (was {options.MaxCount}).");
        }

        if (options.Window is { } window && window <= TimeSpan.Zero)
        {
            failures.Add($"{prefix}:Window must be positive (was {window}).");
        }
    }
}
