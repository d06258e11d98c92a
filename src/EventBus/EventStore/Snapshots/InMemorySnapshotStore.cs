using System.Collections.Concurrent;

namespace EventBus.EventStore.Snapshots;

internal sealed class InMemorySnapshotStore : ISnapshotStore
{
    private readonly ConcurrentDictionary<string, Snapshot> _snapshots = new(StringComparer.Ordinal);

    public ValueTask SaveAsync(Snapshot snapshot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        _snapshots.AddOrUpdate(
            snapshot.StreamId,
            static (_, added) => added,
            static (_, stored, added) => added.StreamVersion >= stored.StreamVersion || added.SchemaVersion != stored.SchemaVersion ? added : stored,
            snapshot);
        return default;
    }

    public ValueTask<Snapshot?> LoadAsync(string streamId, CancellationToken cancellationToken = default)
    {
        StreamId.Validate(streamId, nameof(streamId));
        return ValueTask.FromResult(_snapshots.TryGetValue(streamId, out var snapshot) ? snapshot : null);
    }

    public ValueTask DeleteAsync(string streamId, CancellationToken cancellationToken = default)
    {
        StreamId.Validate(streamId, nameof(streamId));
        _snapshots.TryRemove(streamId, out _);
        return default;
    }
}
