namespace EventBus;

/// <summary>Keeps saga instances with optimistic concurrency. The in-memory store is the default; durable stores
/// (SQLite, PostgreSQL) implement the same contract and run the same contract tests.</summary>
/// <remarks>
/// A store must be safe for concurrent use. <see cref="SaveAsync{TState}"/> is the only write: it succeeds only when
/// the stored version equals the expected one (0: no instance stored), so two writers racing on one instance — or two
/// events racing to create it — never both win. Stores treat saved instances as immutable values, and every read
/// returns a state object of its own: a change made in place to a state that was read, or to one after it was saved,
/// never reaches the store or another reader.
/// </remarks>
public interface ISagaStore
{
    /// <summary>Reads one instance with its state.</summary>
    /// <typeparam name="TState">The saga's state type.</typeparam>
    /// <param name="sagaName">The saga name.</param>
    /// <param name="correlationKey">The instance's correlation key.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The instance, or <see langword="null"/> when there is none.</returns>
    /// <exception cref="ArgumentException">A name or key is empty.</exception>
    ValueTask<SagaInstance<TState>?> FindAsync<TState>(string sagaName, string correlationKey, CancellationToken cancellationToken = default)
        where TState : class;

    /// <summary>Creates or replaces an instance if the stored version is still <paramref name="expectedVersion"/>.</summary>
    /// <typeparam name="TState">The saga's state type.</typeparam>
    /// <param name="instance">The instance to store; its <see cref="SagaInstance.Version"/> is ignored.</param>
    /// <param name="expectedVersion">The version read before the change; 0 to create a new instance.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The new version, <paramref name="expectedVersion"/> + 1.</returns>
    /// <exception cref="SagaConcurrencyException">The stored version is not <paramref name="expectedVersion"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="expectedVersion"/> is negative.</exception>
    ValueTask<long> SaveAsync<TState>(SagaInstance<TState> instance, long expectedVersion, CancellationToken cancellationToken = default)
        where TState : class;

    /// <summary>Reads the instances that match a query, oldest first; a store may leave their state out.</summary>
    /// <param name="query">The filters.</param>
    /// <param name="cancellationToken">A token to cancel the enumeration.</param>
    /// <returns>The matching instances.</returns>
    IAsyncEnumerable<SagaInstance> QueryAsync(SagaQuery query, CancellationToken cancellationToken = default);
}
