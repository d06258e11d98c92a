namespace EventBus;

/// <summary>Hands out exclusive leases on named processors (the outbox, each background projection), so that when
/// several app instances share one store each processor runs on exactly one of them at a time. The seam a shared
/// storage backend implements; the default (in-memory and SQLite) always grants the lease to this process.</summary>
/// <remarks>A lease is named like the checkpoint its processor keeps (<c>$outbox</c>, a projection's name), and it
/// writes that checkpoint: <see cref="IProcessorLease.SaveCheckpointAsync"/> must fail once another holder has taken
/// the lease over (a fenced write), so progress is only ever recorded by the current holder.</remarks>
public interface IProcessorLeaseStore
{
    /// <summary>Gets how long a processor waits before trying again to acquire a lease another instance holds.</summary>
    TimeSpan AcquireInterval { get; }

    /// <summary>Gets how often a holder renews its lease; <see cref="Timeout.InfiniteTimeSpan"/> when leases never
    /// need renewing.</summary>
    TimeSpan RenewInterval { get; }

    /// <summary>Tries to take the lease on a processor: succeeds when nobody holds it, its holder released it, or its
    /// holder's lease expired (then the fencing token grows, so the old holder's writes are refused).</summary>
    /// <param name="name">The processor's name, which is also the name of its checkpoint.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The lease, or <see langword="null"/> when another holder has it.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not a valid checkpoint name.</exception>
    ValueTask<IProcessorLease?> TryAcquireAsync(string name, CancellationToken cancellationToken = default);
}
