namespace EventBus;

/// <summary>Observes and controls the registered projections.</summary>
public interface IProjectionManager
{
    /// <summary>Gets the names of the registered projections.</summary>
    IReadOnlyCollection<string> Names { get; }

    /// <summary>Gets the global position a projection has processed up to.</summary>
    /// <param name="name">The projection name.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The position; 0 before the first event.</returns>
    /// <exception cref="ArgumentException">No projection has that name.</exception>
    ValueTask<long> GetPositionAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Waits until a projection has processed the global log up to <paramref name="position"/>, typically
    /// the <see cref="AppendResult.Position"/> of your own append (read-your-writes).</summary>
    /// <param name="name">The projection name.</param>
    /// <param name="position">The position to reach.</param>
    /// <param name="timeout">How long to wait at most.</param>
    /// <param name="cancellationToken">A token to stop waiting.</param>
    /// <returns>A task that completes when the projection has reached the position.</returns>
    /// <exception cref="ArgumentException">No projection has that name.</exception>
    /// <exception cref="TimeoutException">The projection did not reach the position in time.</exception>
    ValueTask WaitForPositionAsync(string name, long position, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>Applies every event committed so far to a projection, now, in the caller's flow.</summary>
    /// <param name="name">The projection name.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the projection has reached the head of the log.</returns>
    /// <exception cref="ArgumentException">No projection has that name.</exception>
    ValueTask CatchUpAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Resets a projection's read model and checkpoint, then replays the global log from position 0.</summary>
    /// <param name="name">The projection name.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the rebuilt projection has reached the head of the log.</returns>
    /// <exception cref="ArgumentException">No projection has that name.</exception>
    ValueTask RebuildAsync(string name, CancellationToken cancellationToken = default);
}
