using System.Runtime.CompilerServices;
using EventBus.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EventBus.DeadLetters;

/// <summary>The default dead-letter store: a bounded list ordered by first failure. When full, the oldest entry is
/// evicted, logged and counted.</summary>
internal sealed class InMemoryDeadLetterStore(IOptions<EventBusOptions> options, EventBusMetrics metrics, ILogger<InMemoryDeadLetterStore> logger) : IDeadLetterStore
{
    private readonly List<DeadLetter> _entries = [];
    private readonly Lock _lock = new();

    public ValueTask AddAsync(DeadLetter deadLetter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deadLetter);
        var capacity = options.Value.DeadLetters.Capacity;
        DeadLetter? evicted = null;
        lock (_lock)
        {
            if (_entries.Count >= capacity)
            {
                evicted = _entries[0];
                _entries.RemoveAt(0);
            }

            _entries.Insert(InsertionIndex(deadLetter.FirstFailureTime), deadLetter);
        }

        if (evicted is not null)
        {
            metrics.Evicted(evicted.SubscriptionName);
            Log.DeadLetterCapacityReached(logger, capacity, evicted.Event.Id, evicted.Event.Type, evicted.SubscriptionName);
        }

        return default;
    }

    public async IAsyncEnumerable<DeadLetter> QueryAsync(DeadLetterQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var limit = query.Limit ?? int.MaxValue;
        DeadLetter[] snapshot;
        lock (_lock)
        {
            snapshot = [.. _entries];
        }

        var returned = 0;
        foreach (var entry in snapshot)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (returned >= limit)
            {
                yield break;
            }

            if (query.IsMatch(entry))
            {
                returned++;
                yield return entry;
            }
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    public ValueTask<long> CountAsync(DeadLetterQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        lock (_lock)
        {
            return new ValueTask<long>(_entries.LongCount(query.IsMatch));
        }
    }

    public ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        lock (_lock)
        {
            var index = _entries.FindIndex(e => string.Equals(e.Id, id, StringComparison.Ordinal));
            if (index < 0)
            {
                return new ValueTask<bool>(false);
            }

            _entries.RemoveAt(index);
            return new ValueTask<bool>(true);
        }
    }

    public ValueTask<long> DeleteAsync(DeadLetterQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        lock (_lock)
        {
            return new ValueTask<long>(_entries.RemoveAll(query.IsMatch));
        }
    }

    /// <summary>After every entry that failed first at or before <paramref name="firstFailure"/>: ties keep insertion order.</summary>
    private int InsertionIndex(DateTimeOffset firstFailure)
    {
        int low = 0, high = _entries.Count;
        while (low < high)
        {
            var mid = (low + high) >>> 1;
            if (_entries[mid].FirstFailureTime <= firstFailure)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return low;
    }
}
