namespace EventBus;

/// <summary>Loads aggregates from their streams (snapshot plus the events after it) and saves the events they
/// raise with optimistic concurrency.</summary>
/// <typeparam name="TState">The state type registered with <c>AddAggregate</c>.</typeparam>
public interface IAggregateRepository<TState>
{
    /// <summary>Loads an aggregate; one with no events yet has the initial state at version 0.</summary>
    /// <param name="id">The aggregate id; the stream id is the category, a dash and this id.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The aggregate.</returns>
    /// <exception cref="ArgumentException">The resulting stream id is invalid.</exception>
    /// <exception cref="StreamDeletedException">The stream is deleted.</exception>
    /// <exception cref="InvalidOperationException">The stream was truncated and no snapshot covers the pruned events.</exception>
    ValueTask<Aggregate<TState>> LoadAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Loads an aggregate as it was at a version of its stream: the initial state folded over events 1 to
    /// <paramref name="version"/> (from a snapshot at or below that version when there is one). Saving it succeeds
    /// only if the stream is still at <paramref name="version"/>; otherwise it throws
    /// <see cref="EventStoreConcurrencyException"/>, as for any stale aggregate.</summary>
    /// <param name="id">The aggregate id; the stream id is the category, a dash and this id.</param>
    /// <param name="version">The stream version to stop at; 0 gives the initial state.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The aggregate at <paramref name="version"/>.</returns>
    /// <exception cref="ArgumentException">The resulting stream id is invalid.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="version"/> is negative or beyond the stream's
    /// current version.</exception>
    /// <exception cref="StreamDeletedException">The stream is deleted.</exception>
    /// <exception cref="InvalidOperationException">The stream was truncated after <paramref name="version"/>'s events
    /// and no snapshot at or below <paramref name="version"/> covers the pruned events.</exception>
    ValueTask<Aggregate<TState>> LoadAsync(string id, long version, CancellationToken cancellationToken = default);

    /// <summary>Appends the pending events, expecting the stream to still be at the loaded version, and takes a
    /// snapshot when the policy says so.</summary>
    /// <param name="aggregate">The aggregate.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The append result, or <see langword="null"/> when there was nothing to save.</returns>
    /// <exception cref="EventStoreConcurrencyException">Someone else appended since the aggregate was loaded; load it
    /// again and redo the decision.</exception>
    ValueTask<AppendResult?> SaveAsync(Aggregate<TState> aggregate, CancellationToken cancellationToken = default);
}
