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

    /// <summary>Appends the pending events, expecting the stream to still be at the loaded version, and takes a
    /// snapshot when the policy says so.</summary>
    /// <param name="aggregate">The aggregate.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The append result, or <see langword="null"/> when there was nothing to save.</returns>
    /// <exception cref="EventStoreConcurrencyException">Someone else appended since the aggregate was loaded; load it
    /// again and redo the decision.</exception>
    ValueTask<AppendResult?> SaveAsync(Aggregate<TState> aggregate, CancellationToken cancellationToken = default);
}
