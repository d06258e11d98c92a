using System.Collections.Concurrent;

namespace EventBus.Subscriptions;

/// <summary>
/// The live subscriptions and, per event type, the subscriptions that receive it. Matching runs when subscriptions
/// change (and once for a type never seen before); publishing only reads a cached array.
/// </summary>
internal sealed class SubscriptionRegistry
{
    private readonly Lock _lock = new();
    private volatile Snapshot _snapshot = new([], new ConcurrentDictionary<string, Subscription[]>(StringComparer.Ordinal));

    public IReadOnlyList<Subscription> All => _snapshot.All;

    public Subscription[] Match(string eventType)
    {
        var snapshot = _snapshot;
        return snapshot.ByType.TryGetValue(eventType, out var matches)
            ? matches
            : snapshot.ByType.GetOrAdd(eventType, static (type, all) => Resolve(all, type), snapshot.All);
    }

    public void Add(Subscription subscription)
    {
        lock (_lock)
        {
            var current = _snapshot;
            if (current.All.Any(s => s.Name == subscription.Name))
            {
                throw new ArgumentException(
                    $"A subscription named '{subscription.Name}' already exists; subscription names must be unique.", nameof(subscription));
            }

            Publish([.. current.All, subscription], current);
        }
    }

    public void Remove(Subscription subscription)
    {
        lock (_lock)
        {
            var current = _snapshot;
            if (Array.IndexOf(current.All, subscription) >= 0)
            {
                Publish([.. current.All.Where(s => s != subscription)], current);
            }
        }
    }

    private static Subscription[] Resolve(Subscription[] all, string eventType)
    {
        var matches = all.Where(s => s.Pattern.IsMatch(eventType)).ToArray();
        return matches.Length == 0 ? [] : matches;
    }

    private void Publish(Subscription[] all, Snapshot previous)
    {
        // Re-resolve every type seen so far against the new set, so publishing keeps hitting the cache.
        var byType = new ConcurrentDictionary<string, Subscription[]>(StringComparer.Ordinal);
        foreach (var type in previous.ByType.Keys)
        {
            byType[type] = Resolve(all, type);
        }

        _snapshot = new Snapshot(all, byType);
    }

    private sealed record Snapshot(Subscription[] All, ConcurrentDictionary<string, Subscription[]> ByType);
}
