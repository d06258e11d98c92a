using System.Collections.Concurrent;

namespace EventBus.Idempotency;

/// <summary>The default inbox: per subscription, the most recent handled ids within a count and/or time window.</summary>
internal sealed class InMemoryInbox(TimeProvider timeProvider) : IInbox
{
    private readonly ConcurrentDictionary<string, Window> _subscriptions = new(StringComparer.Ordinal);

    public ValueTask<bool> TryAddAsync(string subscriptionName, string eventId, IdempotencyWindow window, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subscriptionName);
        ArgumentNullException.ThrowIfNull(eventId);
        var state = _subscriptions.GetOrAdd(subscriptionName, static _ => new Window());
        return new ValueTask<bool>(state.TryAdd(eventId, timeProvider.GetUtcNow(), window));
    }

    public ValueTask<bool> ContainsAsync(string subscriptionName, string eventId, IdempotencyWindow window, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subscriptionName);
        ArgumentNullException.ThrowIfNull(eventId);
        return new ValueTask<bool>(_subscriptions.TryGetValue(subscriptionName, out var state) && state.Contains(eventId, timeProvider.GetUtcNow(), window));
    }

    public ValueTask<bool> RemoveAsync(string subscriptionName, string eventId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subscriptionName);
        ArgumentNullException.ThrowIfNull(eventId);
        return new ValueTask<bool>(_subscriptions.TryGetValue(subscriptionName, out var state) && state.Remove(eventId));
    }

    /// <summary>The remembered ids of one subscription, oldest first.</summary>
    private sealed class Window
    {
        private readonly Lock _lock = new();
        private readonly Dictionary<string, long> _ids = new(StringComparer.Ordinal);

        // Removed ids leave stale entries here (their sequence no longer matches); they are skipped when reached.
        private readonly Queue<(string Id, long Sequence, DateTimeOffset Time)> _order = new();
        private long _sequence;

        public bool TryAdd(string eventId, DateTimeOffset now, IdempotencyWindow window)
        {
            lock (_lock)
            {
                Evict(now, window, incoming: 0);
                if (_ids.ContainsKey(eventId))
                {
                    return false;
                }

                Evict(now, window, incoming: 1);
                var sequence = ++_sequence;
                _ids.Add(eventId, sequence);
                _order.Enqueue((eventId, sequence, now));
                return true;
            }
        }

        public bool Contains(string eventId, DateTimeOffset now, IdempotencyWindow window)
        {
            lock (_lock)
            {
                Evict(now, window, incoming: 0);
                return _ids.ContainsKey(eventId);
            }
        }

        public bool Remove(string eventId)
        {
            lock (_lock)
            {
                if (!_ids.Remove(eventId))
                {
                    return false;
                }

                if (_order.Count > (2 * _ids.Count) + 64)
                {
                    Compact();
                }

                return true;
            }
        }

        private void Evict(DateTimeOffset now, IdempotencyWindow window, int incoming)
        {
            while (_order.TryPeek(out var oldest))
            {
                var live = _ids.TryGetValue(oldest.Id, out var sequence) && sequence == oldest.Sequence;
                var expired = window.Duration is { } duration && now - oldest.Time >= duration;
                var overCount = window.MaxCount is { } max && _ids.Count + incoming > max;
                if (live && !expired && !overCount)
                {
                    return;
                }

                _order.Dequeue();
                if (live)
                {
                    _ids.Remove(oldest.Id);
                }
            }
        }

        private void Compact()
        {
            var live = _order.Where(e => _ids.TryGetValue(e.Id, out var s) && s == e.Sequence).ToArray();
            _order.Clear();
            foreach (var entry in live)
            {
                _order.Enqueue(entry);
            }
        }
    }
}
