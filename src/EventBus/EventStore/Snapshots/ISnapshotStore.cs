namespace EventBus;

/// <summary>Keeps the latest snapshot of each stream; the seam a storage backend implements.</summary>
public interface ISnapshotStore
{
    /// <summary>Saves a snapshot. It replaces the stored one when its version is the same or higher, or when the
    /// stored one has another schema version; otherwise the newer stored snapshot is kept.</summary>
    /// <param name="snapshot">The snapshot.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the snapshot is stored.</returns>
    ValueTask SaveAsync(Snapshot snapshot, CancellationToken cancellationToken = default);

    /// <summary>Loads the snapshot of a stream.</summary>
    /// <param name="streamId">The stream id.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The snapshot, or <see langword="null"/> when there is none.</returns>
    /// <exception cref="ArgumentException">The stream id is invalid.</exception>
    ValueTask<Snapshot?> LoadAsync(string streamId, CancellationToken cancellationToken = default);

    /// <summary>Deletes the snapshot of a stream, if any.</summary>
    /// <param name="streamId">The stream id.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the snapshot is gone.</returns>
    /// <exception cref="ArgumentException">The stream id is invalid.</exception>
    ValueTask DeleteAsync(string streamId, CancellationToken cancellationToken = default);
}
