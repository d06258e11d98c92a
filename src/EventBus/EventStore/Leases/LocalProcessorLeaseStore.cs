using EventBus.EventStore.Checkpoints;

namespace EventBus.EventStore.Leases;

/// <summary>The default lease store: this process is the only one working on the store (in-memory, or a SQLite file
/// used by one process), so every lease is granted at once, never expires, and checkpoints are written straight to
/// the <see cref="ICheckpointStore"/>.</summary>
internal sealed class LocalProcessorLeaseStore(ICheckpointStore checkpoints) : IProcessorLeaseStore
{
    public TimeSpan AcquireInterval => Timeout.InfiniteTimeSpan;

    public TimeSpan RenewInterval => Timeout.InfiniteTimeSpan;

    public ValueTask<IProcessorLease?> TryAcquireAsync(string name, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IProcessorLease?>(new Lease(CheckpointName.Validate(name), checkpoints));

    private sealed class Lease(string name, ICheckpointStore checkpoints) : IProcessorLease
    {
        public string Name => name;

        public long FencingToken => 1;

        public ValueTask<bool> RenewAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(true);

        public ValueTask SaveCheckpointAsync(long position, CancellationToken cancellationToken = default) =>
            checkpoints.SaveAsync(name, position, cancellationToken);

        public ValueTask ReleaseAsync(CancellationToken cancellationToken = default) => default;
    }
}
