using System.Collections.Concurrent;

namespace EventBus.EventStore.Checkpoints;

internal sealed class InMemoryCheckpointStore : ICheckpointStore
{
    private readonly ConcurrentDictionary<string, long> _positions = new(StringComparer.Ordinal);

    public ValueTask<long?> LoadAsync(string name, CancellationToken cancellationToken = default)
    {
        CheckpointName.Validate(name);
        return ValueTask.FromResult(_positions.TryGetValue(name, out var position) ? position : (long?)null);
    }

    public ValueTask SaveAsync(string name, long position, CancellationToken cancellationToken = default)
    {
        CheckpointName.Validate(name);
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        _positions[name] = position;
        return default;
    }

    public ValueTask DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        CheckpointName.Validate(name);
        _positions.TryRemove(name, out _);
        return default;
    }
}
