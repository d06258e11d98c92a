namespace EventBus;

/// <summary>Keeps saga instances with optimistic concurrency. The in-memory store is the default; durable stores
/// (SQLite, PostgreSQL) implement the same contract and run the same contract tests.</summary>
/// <remarks>
/// A store must be safe for concurrent use. <see cref="SaveAsync{TState}"/> is the only write: it succeeds only when
/// the stored version equals the expected one (0: no instance stored), so two writers racing on one instance — or two
/// events racing to create it — never both win. Stores treat saved instances as immutable values, and every read
/// returns a state object of its own: a change made in place to a state that was read, or to one after it was saved,
/// never reaches the store or another reader.
/// <para>A store also keeps the pending timeouts of the instances it holds as work to claim: the instance's
/// <see cref="SagaInstance.Timeouts"/> list is the record (a save adds and drops timeouts with the instance), and
/// <see cref="ClaimDueTimeoutsAsync"/> hands each due timeout to one claimant at a time, so of several processes on one
/// store exactly one fires it while its claim holds.</para>
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

    /// <summary>Claims due timeouts of one saga: timeouts due at or before <paramref name="now"/> that no one has
    /// claimed, or whose claim lapsed, and that no claimant completed. Each is claimed by <paramref name="claimant"/>
    /// until <paramref name="now"/> + <paramref name="claimDuration"/>, in one atomic step, so two claimants never
    /// both get the same timeout while a claim holds.</summary>
    /// <param name="sagaName">The saga name.</param>
    /// <param name="now">The claimant's current time: what is due and when the claim lapses are measured from it.</param>
    /// <param name="claimant">A name of the claiming process, unique among the processes sharing the store.</param>
    /// <param name="claimDuration">How long the claim holds; after it another claimant may take the timeout.</param>
    /// <param name="maxCount">The most timeouts to claim, earliest due first.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The timeouts claimed, earliest due first; empty when none is due.</returns>
    /// <exception cref="ArgumentException">The saga name or the claimant is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="claimDuration"/> is not positive, or
    /// <paramref name="maxCount"/> is less than 1.</exception>
    ValueTask<IReadOnlyList<SagaTimeoutClaim>> ClaimDueTimeoutsAsync(
        string sagaName, DateTimeOffset now, string claimant, TimeSpan claimDuration, int maxCount, CancellationToken cancellationToken = default);

    /// <summary>Marks a claimed timeout as fired for good: no claimant gets it again, even if the instance still lists
    /// it (its event was dead-lettered, say). The mark goes when a save drops the timeout from its instance.</summary>
    /// <param name="claim">The claim <see cref="ClaimDueTimeoutsAsync"/> returned.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns><see langword="true"/> if the timeout was still pending and claimed by <see cref="SagaTimeoutClaim.Claimant"/>
    /// (even if the claim lapsed meanwhile and no one else took it); otherwise, <see langword="false"/>.</returns>
    ValueTask<bool> CompleteTimeoutAsync(SagaTimeoutClaim claim, CancellationToken cancellationToken = default);

    /// <summary>Gives a claimed timeout back, so it can be claimed again right away (its event could not be published).</summary>
    /// <param name="claim">The claim <see cref="ClaimDueTimeoutsAsync"/> returned.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns><see langword="true"/> if the timeout was still claimed by <see cref="SagaTimeoutClaim.Claimant"/>;
    /// otherwise, <see langword="false"/>.</returns>
    ValueTask<bool> ReleaseTimeoutAsync(SagaTimeoutClaim claim, CancellationToken cancellationToken = default);
}
