namespace EventBus;

/// <summary>Keeps named global-log positions: how far each projection and the outbox have processed. The seam a
/// storage backend implements so that work resumes where it stopped after a restart.</summary>
/// <remarks>Names are 1 to 255 characters, not only white space, compared ordinally.</remarks>
public interface ICheckpointStore
{
    /// <summary>Loads a checkpoint.</summary>
    /// <param name="name">The checkpoint name, such as a projection name.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The last saved position, or <see langword="null"/> when none was saved.</returns>
    /// <exception cref="ArgumentException">The name is invalid.</exception>
    ValueTask<long?> LoadAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Saves a checkpoint, replacing the previous value.</summary>
    /// <param name="name">The checkpoint name.</param>
    /// <param name="position">The last processed global position (0 for none).</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the checkpoint is stored.</returns>
    /// <exception cref="ArgumentException">The name is invalid.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="position"/> is negative.</exception>
    ValueTask SaveAsync(string name, long position, CancellationToken cancellationToken = default);

    /// <summary>Deletes a checkpoint, if any.</summary>
    /// <param name="name">The checkpoint name.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the checkpoint is gone.</returns>
    /// <exception cref="ArgumentException">The name is invalid.</exception>
    ValueTask DeleteAsync(string name, CancellationToken cancellationToken = default);
}
