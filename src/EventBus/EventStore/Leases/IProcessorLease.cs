namespace EventBus;

/// <summary>An exclusive lease on one named processor, held by this process from
/// <see cref="IProcessorLeaseStore.TryAcquireAsync"/> until it is released or lost.</summary>
public interface IProcessorLease
{
    /// <summary>Gets the processor's name, which is also the name of its checkpoint.</summary>
    string Name { get; }

    /// <summary>Gets the fencing token of this holding: it grows every time the lease changes hands, and writes made
    /// under an older token are refused.</summary>
    long FencingToken { get; }

    /// <summary>Extends the lease.</summary>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns><see langword="true"/> if the lease is still held and the holder may go on; otherwise,
    /// <see langword="false"/>, and the holder must stop at once: another instance may take it over.</returns>
    ValueTask<bool> RenewAsync(CancellationToken cancellationToken = default);

    /// <summary>Saves the processor's checkpoint, only if this holding is still current.</summary>
    /// <param name="position">The last processed global position (0 for none).</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the checkpoint is stored.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="position"/> is negative.</exception>
    /// <exception cref="ProcessorLeaseLostException">The lease expired or another holder took it over; nothing was
    /// written.</exception>
    ValueTask SaveCheckpointAsync(long position, CancellationToken cancellationToken = default);

    /// <summary>Gives the lease up, so another instance can take it over at once; does nothing when it was already
    /// lost.</summary>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the lease is released.</returns>
    ValueTask ReleaseAsync(CancellationToken cancellationToken = default);
}
