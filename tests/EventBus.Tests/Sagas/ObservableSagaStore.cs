using EventBus.Sagas;

namespace EventBus.Tests.Sagas;

/// <summary>The in-memory saga store, plus a way for tests to await an instance reaching a condition instead of sleeping.</summary>
public sealed class ObservableSagaStore : ISagaStore
{
    private readonly InMemorySagaStore _inner = new();
    private readonly Lock _lock = new();
    private readonly List<(string Key, Func<SagaInstance, bool> Predicate, TaskCompletionSource<SagaInstance> Done)> _waiters = [];

    public int SaveCount;

    private TaskCompletionSource? _readsDone;
    private int _readsToOverlap;

    /// <summary>Gets or sets how many saves from now on fail with a conflict.</summary>
    public int ForcedConflicts;

    /// <summary>Gets or sets which saves fail with a conflict, whatever the version.</summary>
    public Func<SagaInstance, bool>? ConflictWhen { get; set; }

    public async ValueTask<SagaInstance<TState>?> FindAsync<TState>(string sagaName, string correlationKey, CancellationToken cancellationToken = default)
        where TState : class
    {
        var found = await _inner.FindAsync<TState>(sagaName, correlationKey, cancellationToken);
        if (_readsDone is { } gate && Interlocked.Decrement(ref _readsToOverlap) == 0)
        {
            gate.TrySetResult();
        }

        return found;
    }

    /// <summary>Holds every save until the next <paramref name="readers"/> reads have completed, so those readers all
    /// see the same version and all but one of their saves must conflict.</summary>
    public void OverlapNextReads(int readers)
    {
        _readsToOverlap = readers;
        _readsDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public ValueTask<IReadOnlyList<SagaTimeoutClaim>> ClaimDueTimeoutsAsync(
        string sagaName, DateTimeOffset now, string claimant, TimeSpan claimDuration, int maxCount, CancellationToken cancellationToken = default) =>
        _inner.ClaimDueTimeoutsAsync(sagaName, now, claimant, claimDuration, maxCount, cancellationToken);

    public ValueTask<bool> CompleteTimeoutAsync(SagaTimeoutClaim claim, CancellationToken cancellationToken = default) =>
        _inner.CompleteTimeoutAsync(claim, cancellationToken);

    public ValueTask<bool> ReleaseTimeoutAsync(SagaTimeoutClaim claim, CancellationToken cancellationToken = default) =>
        _inner.ReleaseTimeoutAsync(claim, cancellationToken);

    public async ValueTask<long> SaveAsync<TState>(SagaInstance<TState> instance, long expectedVersion, CancellationToken cancellationToken = default)
        where TState : class
    {
        if (_readsDone is { } gate)
        {
            await gate.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        }

        if (Interlocked.Decrement(ref ForcedConflicts) >= 0 || ConflictWhen?.Invoke(instance) == true)
        {
            throw new SagaConcurrencyException(instance.SagaName, instance.CorrelationKey, expectedVersion, expectedVersion + 1);
        }

        var version = await _inner.SaveAsync(instance, expectedVersion, cancellationToken);
        Interlocked.Increment(ref SaveCount);
        var saved = instance with { Version = version };
        lock (_lock)
        {
            foreach (var waiter in _waiters.Where(w => w.Key == saved.CorrelationKey && w.Predicate(saved)).ToList())
            {
                waiter.Done.TrySetResult(saved);
                _waiters.Remove(waiter);
            }
        }

        return version;
    }

    public IAsyncEnumerable<SagaInstance> QueryAsync(SagaQuery query, CancellationToken cancellationToken = default) =>
        _inner.QueryAsync(query, cancellationToken);

    /// <summary>Completes with the first saved version of FlowSaga instance <paramref name="key"/> that meets
    /// <paramref name="predicate"/> (or the stored one, if it already does); fails after a generous safety timeout.</summary>
    public Task<SagaInstance<FlowState>> WaitForAsync(string key, Func<SagaInstance<FlowState>, bool> predicate) =>
        WaitForAsync("FlowSaga", key, predicate);

    public async Task<SagaInstance<TState>> WaitForAsync<TState>(string sagaName, string key, Func<SagaInstance<TState>, bool> predicate)
        where TState : class
    {
        var done = new TaskCompletionSource<SagaInstance>(TaskCreationOptions.RunContinuationsAsynchronously);
        Func<SagaInstance, bool> match = i => i.SagaName == sagaName && i is SagaInstance<TState> typed && predicate(typed);
        lock (_lock)
        {
            _waiters.Add((key, match, done));
        }

        var current = await _inner.FindAsync<TState>(sagaName, key);
        if (current is not null && match(current))
        {
            done.TrySetResult(current);
        }

        return (SagaInstance<TState>)await done.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    public Task<SagaInstance<FlowState>?> GetAsync(string key, string sagaName = "FlowSaga") =>
        _inner.FindAsync<FlowState>(sagaName, key).AsTask();
}
