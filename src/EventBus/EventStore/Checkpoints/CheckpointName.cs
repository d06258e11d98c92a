namespace EventBus.EventStore.Checkpoints;

internal static class CheckpointName
{
    public static string Validate(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.Length > EventStoreConstants.MaxCheckpointNameLength)
        {
            throw new ArgumentException($"Checkpoint name '{name[..32]}…' is longer than {EventStoreConstants.MaxCheckpointNameLength} characters.", nameof(name));
        }

        return name;
    }
}
