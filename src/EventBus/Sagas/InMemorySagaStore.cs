using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace EventBus.Sagas;

/// <summary>The default saga store: instances in memory, versioned with compare-and-swap.</summary>
/// <remarks>Saved instances are kept as the immutable records they are, so readers never see a half-made change.
/// State objects are kept by reference: sagas replace their state rather than change it.</remarks>
internal sealed class InMemorySagaStore : ISagaStore
{
    private readonly ConcurrentDictionary<(string Saga, string Key), SagaInstance> _instances = new();

    // Creation order, so queries list the oldest instances first.
    private readonly ConcurrentDictionary<(string Saga, string Key), long> _order = new();
    private long _sequence;

    public ValueTask<SagaInstance<TState>?> FindAsync<TState>(string sagaName, string correlationKey, CancellationToken cancellationToken = default)
        where TState : class
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sagaName);
        ArgumentException.ThrowIfNullOrEmpty(correlationKey);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_instances.TryGetValue((sagaName, correlationKey), out var instance))
        {
            return ValueTask.FromResult<SagaInstance<TState>?>(null);
        }

        return instance is SagaInstance<TState> typed
            ? ValueTask.FromResult<SagaInstance<TState>?>(typed)
            : throw new InvalidOperationException(
                $"Saga '{sagaName}' instance '{correlationKey}' holds state of another type than {typeof(TState).Name}; two sagas share the name '{sagaName}'.");
    }

    public ValueTask<long> SaveAsync<TState>(SagaInstance<TState> instance, long expectedVersion, CancellationToken cancellationToken = default)
        where TState : class
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentException.ThrowIfNullOrWhiteSpace(instance.SagaName, nameof(instance) + ".SagaName");
        ArgumentException.ThrowIfNullOrEmpty(instance.CorrelationKey, nameof(instance) + ".CorrelationKey");
        ArgumentOutOfRangeException.ThrowIfNegative(expectedVersion);
        cancellationToken.ThrowIfCancellationRequested();

        var key = (instance.SagaName, instance.CorrelationKey);
        var saved = instance with { Version = expectedVersion + 1 };
        if (expectedVersion == 0)
        {
            if (!_instances.TryAdd(key, saved))
            {
                throw Conflict(instance, expectedVersion);
            }

            _order.TryAdd(key, Interlocked.Increment(ref _sequence));
            return ValueTask.FromResult(saved.Version);
        }

        while (true)
        {
            if (!_instances.TryGetValue(key, out var current) || current.Version != expectedVersion)
            {
                throw Conflict(instance, expectedVersion);
            }

            // Compare-and-swap on the exact record read: a writer that read the same version loses here.
            if (_instances.TryUpdate(key, saved, current))
            {
                return ValueTask.FromResult(saved.Version);
            }
        }
    }

    public async IAsyncEnumerable<SagaInstance> QueryAsync(SagaQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var snapshot = _instances
            .Where(pair => (query.SagaName is null || pair.Key.Saga == query.SagaName)
                && (query.CorrelationKey is null || pair.Key.Key == query.CorrelationKey)
                && (query.Status is null || pair.Value.Status == query.Status))
            .OrderBy(pair => _order.GetValueOrDefault(pair.Key))
            .Select(pair => pair.Value)
            .ToList();

        foreach (var instance in snapshot)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return instance;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    private SagaConcurrencyException Conflict(SagaInstance instance, long expectedVersion)
    {
        var actual = _instances.TryGetValue((instance.SagaName, instance.CorrelationKey), out var current) ? current.Version : 0;
        return new SagaConcurrencyException(instance.SagaName, instance.CorrelationKey, expectedVersion, actual);
    }
}
