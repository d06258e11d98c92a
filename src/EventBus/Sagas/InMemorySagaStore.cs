using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using EventBus.EventStore.Serialization;
using Microsoft.Extensions.Options;

namespace EventBus.Sagas;

/// <summary>The default saga store: instances in memory, versioned with compare-and-swap.</summary>
/// <remarks>Saved instances are kept as the immutable records they are, so readers never see a half-made change.
/// The state is kept as JSON written with the event store's serializer settings
/// (<see cref="EventStoreOptions.JsonSerializerOptions"/>), as a durable store keeps it: every read returns a state
/// object of its own, so a handler that changes its state in place and then fails leaves nothing behind, and the
/// in-memory store behaves like SQLite under the same contract. Pending timeouts are also kept as claimable entries
/// (one lock each), so claiming, completing and giving back behave as in a durable store.</remarks>
internal sealed class InMemorySagaStore : ISagaStore
{
    private readonly ConcurrentDictionary<(string Saga, string Key), StoredSaga> _instances = new();

    // Creation order, so queries list the oldest instances first.
    private readonly ConcurrentDictionary<(string Saga, string Key), long> _order = new();
    private readonly JsonSerializerOptions _json;

    // Pending timeouts as claimable work, beside the instances that list them. An entry is added after the save that
    // lists its timeout and dropped by the save that drops it; an entry a racing save left behind is dropped when a
    // claim finds its instance no longer lists it (timeout ids are never reused).
    private readonly ConcurrentDictionary<(string Saga, string Key, string Id), TimeoutEntry> _timeouts = new();
    private long _sequence;

    /// <summary>Creates a store with the default serializer settings (tests and stores built by hand).</summary>
    internal InMemorySagaStore()
        : this(Options.Create(new EventStoreOptions()))
    {
    }

    public InMemorySagaStore(IOptions<EventStoreOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var json = options.Value.JsonSerializerOptions
            ?? throw new InvalidOperationException("EventStoreOptions.JsonSerializerOptions must not be null.");
        if (json.TypeInfoResolver is null)
        {
            // Options created with 'new JsonSerializerOptions { ... }': a copy with the default metadata, so the
            // caller's instance is left for the event store to complete the same way.
            json = new JsonSerializerOptions(json) { TypeInfoResolver = EventStoreJson.CreateDefaultOptions().TypeInfoResolver };
        }

        json.MakeReadOnly();
        _json = json;
    }

    public ValueTask<SagaInstance<TState>?> FindAsync<TState>(string sagaName, string correlationKey, CancellationToken cancellationToken = default)
        where TState : class
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sagaName);
        ArgumentException.ThrowIfNullOrEmpty(correlationKey);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_instances.TryGetValue((sagaName, correlationKey), out var stored))
        {
            return ValueTask.FromResult<SagaInstance<TState>?>(null);
        }

        return stored is StoredSaga<TState> typed
            ? ValueTask.FromResult<SagaInstance<TState>?>(typed.Read())
            : throw new InvalidOperationException(
                $"Saga '{sagaName}' instance '{correlationKey}' holds state of another type than {typeof(TState).Name}; two sagas share the name '{sagaName}'.");
    }

    public ValueTask<long> SaveAsync<TState>(SagaInstance<TState> instance, long expectedVersion, CancellationToken cancellationToken = default)
        where TState : class
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentException.ThrowIfNullOrWhiteSpace(instance.SagaName, nameof(instance) + ".SagaName");
        ArgumentException.ThrowIfNullOrEmpty(instance.CorrelationKey, nameof(instance) + ".CorrelationKey");
        ArgumentNullException.ThrowIfNull(instance.State, nameof(instance) + ".State");
        ArgumentOutOfRangeException.ThrowIfNegative(expectedVersion);
        cancellationToken.ThrowIfCancellationRequested();

        var key = (instance.SagaName, instance.CorrelationKey);
        var saved = new StoredSaga<TState>(instance with { Version = expectedVersion + 1 }, Copy(instance));
        if (expectedVersion == 0)
        {
            if (!_instances.TryAdd(key, saved))
            {
                throw Conflict(instance, expectedVersion);
            }

            _order.TryAdd(key, Interlocked.Increment(ref _sequence));
            IndexTimeouts(instance, null);
            return ValueTask.FromResult(saved.Version);
        }

        while (true)
        {
            if (!_instances.TryGetValue(key, out var current) || current.Version != expectedVersion)
            {
                throw Conflict(instance, expectedVersion);
            }

            // Compare-and-swap on the exact entry read: a writer that read the same version loses here.
            if (_instances.TryUpdate(key, saved, current))
            {
                IndexTimeouts(instance, current.Timeouts);
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

        foreach (var stored in snapshot)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return stored.ReadUntyped();
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    public ValueTask<IReadOnlyList<SagaTimeoutClaim>> ClaimDueTimeoutsAsync(
        string sagaName, DateTimeOffset now, string claimant, TimeSpan claimDuration, int maxCount, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sagaName);
        ArgumentException.ThrowIfNullOrWhiteSpace(claimant);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(claimDuration, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        cancellationToken.ThrowIfCancellationRequested();

        var due = _timeouts
            .Where(pair => pair.Key.Saga == sagaName && pair.Value.Timeout.DueTime <= now)
            .OrderBy(pair => pair.Value.Timeout.DueTime)
            .ToList();
        var claimed = new List<SagaTimeoutClaim>();
        foreach (var (key, entry) in due)
        {
            if (!IsListed(key))
            {
                _timeouts.TryRemove(new KeyValuePair<(string, string, string), TimeoutEntry>(key, entry));
                continue;
            }

            if (entry.TryClaim(now, claimant, now + claimDuration) is { } claim)
            {
                claimed.Add(claim);
                if (claimed.Count == maxCount)
                {
                    break;
                }
            }
        }

        return ValueTask.FromResult<IReadOnlyList<SagaTimeoutClaim>>(claimed);
    }

    public ValueTask<bool> CompleteTimeoutAsync(SagaTimeoutClaim claim, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(claim);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(
            _timeouts.TryGetValue((claim.SagaName, claim.CorrelationKey, claim.Timeout.Id), out var entry) && entry.Complete(claim.Claimant));
    }

    public ValueTask<bool> ReleaseTimeoutAsync(SagaTimeoutClaim claim, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(claim);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(
            _timeouts.TryGetValue((claim.SagaName, claim.CorrelationKey, claim.Timeout.Id), out var entry) && entry.Release(claim.Claimant));
    }

    private void IndexTimeouts(SagaInstance saved, IReadOnlyList<SagaTimeout>? before)
    {
        foreach (var dropped in before ?? [])
        {
            if (!saved.Timeouts.Any(t => t.Id == dropped.Id))
            {
                _timeouts.TryRemove((saved.SagaName, saved.CorrelationKey, dropped.Id), out _);
            }
        }

        foreach (var timeout in saved.Timeouts)
        {
            // An entry already there keeps its claim, or its completion.
            _timeouts.TryAdd((saved.SagaName, saved.CorrelationKey, timeout.Id), new TimeoutEntry(saved.SagaName, saved.CorrelationKey, timeout));
        }
    }

    private bool IsListed((string Saga, string Key, string Id) key) =>
        _instances.TryGetValue((key.Saga, key.Key), out var stored) && stored.Timeouts.Any(t => t.Id == key.Id);

    /// <summary>The state as JSON, written now: what the caller does to its object after the save changes nothing.</summary>
    private StateCopy<TState> Copy<TState>(SagaInstance<TState> instance)
        where TState : class
    {
        JsonTypeInfo<TState> typeInfo;
        byte[] state;
        try
        {
            typeInfo = (JsonTypeInfo<TState>)_json.GetTypeInfo(typeof(TState));
            state = JsonSerializer.SerializeToUtf8Bytes(instance.State, typeInfo);
        }
        catch (Exception ex) when (ex is NotSupportedException or JsonException or InvalidOperationException)
        {
            throw new JsonException(
                $"The state of saga '{instance.SagaName}' instance '{instance.CorrelationKey}' ({typeof(TState).FullName}) cannot be serialized to JSON: {ex.Message} The in-memory saga store keeps a JSON copy of the state, as a durable store does; make the state JSON-serializable, or add its metadata to EventStoreOptions.JsonSerializerOptions.",
                ex);
        }

        if (state.AsSpan().SequenceEqual("null"u8))
        {
            throw new ArgumentException($"The state of saga '{instance.SagaName}' instance '{instance.CorrelationKey}' serializes to JSON null; a saga's state must be a JSON value.", nameof(instance));
        }

        return new StateCopy<TState>(state, typeInfo);
    }

    private SagaConcurrencyException Conflict(SagaInstance instance, long expectedVersion)
    {
        var actual = _instances.TryGetValue((instance.SagaName, instance.CorrelationKey), out var current) ? current.Version : 0;
        return new SagaConcurrencyException(instance.SagaName, instance.CorrelationKey, expectedVersion, actual);
    }

    private readonly record struct StateCopy<TState>(byte[] Json, JsonTypeInfo<TState> TypeInfo)
        where TState : class;

    /// <summary>One saved instance: everything but the state as the record saved, the state as JSON.</summary>
    private abstract class StoredSaga
    {
        public abstract long Version { get; }

        public abstract SagaStatus Status { get; }

        public abstract IReadOnlyList<SagaTimeout> Timeouts { get; }

        public abstract SagaInstance ReadUntyped();
    }

    private sealed class StoredSaga<TState>(SagaInstance<TState> instance, StateCopy<TState> state) : StoredSaga
        where TState : class
    {
        public override long Version => instance.Version;

        public override SagaStatus Status => instance.Status;

        public override IReadOnlyList<SagaTimeout> Timeouts => instance.Timeouts;

        // The saved record's own State is never handed out: the caller still holds that object.
        public SagaInstance<TState> Read() => instance with
        {
            State = JsonSerializer.Deserialize(state.Json, state.TypeInfo)
                ?? throw new JsonException($"The state of saga '{instance.SagaName}' instance '{instance.CorrelationKey}' reads back as null."),
        };

        public override SagaInstance ReadUntyped() => Read();
    }

    /// <summary>One pending timeout and who claimed it until when, or that it was completed.</summary>
    private sealed class TimeoutEntry(string sagaName, string correlationKey, SagaTimeout timeout)
    {
        private readonly Lock _lock = new();
        private string? _claimant;
        private DateTimeOffset _claimedUntil;
        private bool _completed;

        public SagaTimeout Timeout => timeout;

        public SagaTimeoutClaim? TryClaim(DateTimeOffset now, string claimant, DateTimeOffset until)
        {
            lock (_lock)
            {
                if (_completed || (_claimant is not null && _claimedUntil > now))
                {
                    return null;
                }

                _claimant = claimant;
                _claimedUntil = until;
            }

            return new SagaTimeoutClaim { SagaName = sagaName, CorrelationKey = correlationKey, Timeout = timeout, Claimant = claimant, ClaimedUntil = until };
        }

        public bool Complete(string claimant)
        {
            lock (_lock)
            {
                if (_completed || !string.Equals(_claimant, claimant, StringComparison.Ordinal))
                {
                    return false;
                }

                _completed = true;
                return true;
            }
        }

        public bool Release(string claimant)
        {
            lock (_lock)
            {
                if (_completed || !string.Equals(_claimant, claimant, StringComparison.Ordinal))
                {
                    return false;
                }

                _claimant = null;
                return true;
            }
        }
    }
}
