using System.Collections.Concurrent;

namespace EventBus.Subscriptions;

/// <summary>
/// The live subscriptions and, per event type, the subscriptions that receive it. Matching runs when subscriptions
/// change (and once for a type never seen before); publishing only reads a cached array.
/// </summary>
internal sealed class SubscriptionRegistry
{
    private readonly Lock _lock = new();
    private volatile Snapshot _snapshot = new([], new ConcurrentDictionary<string, TypeMatches>(StringComparer.Ordinal));

    public IReadOnlyList<Subscription> All => _snapshot.All;

    public Subscription[] Match(string eventType)
    {
        // Publishers mostly repeat one type, usually the very same string instance (a literal or the registry's
        // name): a reference comparison with the last type matched skips hashing the name on every publish.
        var snapshot = _snapshot;
        var last = snapshot.Last;
        return last is not null && ReferenceEquals(last.Type, eventType) ? last.Matches : MatchSlow(snapshot, eventType);
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

    private static Subscription[] MatchSlow(Snapshot snapshot, string eventType)
    {
        var entry = snapshot.ByType.TryGetValue(eventType, out var found)
            ? found
            : snapshot.ByType.GetOrAdd(eventType, static (type, all) => Resolve(all, type), snapshot.All);
        if (snapshot.Last != entry)
        {
            snapshot.Last = entry;
        }

        return entry.Matches;
    }

    private static TypeMatches Resolve(Subscription[] all, string eventType)
    {
        var matches = all.Where(s => s.Pattern.IsMatch(eventType)).ToArray();
        return new TypeMatches(eventType, matches.Length == 0 ? [] : matches);
    }

    private void Publish(Subscription[] all, Snapshot previous)
    {
        // Re-resolve every type seen so far against the new set, so publishing keeps hitting the cache.
        var byType = new ConcurrentDictionary<string, TypeMatches>(StringComparer.Ordinal);
        foreach (var type in previous.ByType.Keys)
        {
            byType[type] = Resolve(all, type);
        }

        _snapshot = new Snapshot(all, byType);
    }

    private sealed record Snapshot(Subscription[] All, ConcurrentDictionary<string, TypeMatches> ByType)
    {
        /// <summary>The entry most recently matched; a racy single-entry cache, any value of which is correct.</summary>
        public TypeMatches? Last { get; set; }
    }

    /// <summary>The subscriptions that receive one event type.</summary>
    private sealed class TypeMatches(string type, Subscription[] matches)
    {
        public string Type { get; } = type;

        public Subscription[] Matches { get; } = matches;
    }
}
