using EventBus.Dispatch;
using EventBus.Idempotency;
using EventBus.Resilience;

namespace EventBus.Subscriptions;

/// <summary>One subscriber: its pattern, handler, lanes and worker.</summary>
internal sealed class Subscription : IEventSubscription
{
    private readonly SubscriptionRegistry _registry;
    private readonly SubscriptionWorker _worker;

    public Subscription(
        string name,
        TopicPattern pattern,
        Func<Event, CancellationToken, ValueTask> handler,
        int capacity,
        OverflowPolicy overflowPolicy,
        int maxConcurrency,
        Func<Event, string?> orderingKey,
        SubscriptionRegistry registry,
        DispatchContext context,
        SubscriptionPolicies? policies = null)
    {
        Name = name;
        Pattern = pattern;
        Handler = handler;
        MaxConcurrency = maxConcurrency;
        OrderingKey = orderingKey;
        Lanes = new PriorityLanes(name, capacity, overflowPolicy);
        _registry = registry;
        Resilience = policies?.Resilience;
        Idempotency = policies?.Idempotency;
        TimeToLive = policies?.TimeToLive;
        _worker = new SubscriptionWorker(this, Lanes, context);
    }

    public string Name { get; }

    public TopicPattern Pattern { get; }

    public int QueuedCount => Lanes.Count;

    public int InFlightCount => _worker.InFlight;

    public Func<Event, CancellationToken, ValueTask> Handler { get; }

    public int MaxConcurrency { get; }

    public Func<Event, string?> OrderingKey { get; }

    public PriorityLanes Lanes { get; }

    /// <summary>Gets the failure policy, or <see langword="null"/> to call the handler directly.</summary>
    public SubscriptionResilience? Resilience { get; }

    /// <summary>Gets the duplicate check, or <see langword="null"/> when duplicates are not suppressed.</summary>
    public IdempotencyGuard? Idempotency { get; }

    /// <summary>Gets how long an event may wait before it expires, or <see langword="null"/> for never.</summary>
    public TimeSpan? TimeToLive { get; }

    /// <summary>Completes when every accepted event has been handled or dead-lettered.</summary>
    public Task Completion => _worker.Completion;

    public static string? DefaultOrderingKey(Event @event) => @event.Subject ?? @event.CorrelationId;

    public void Start() => _worker.Start();

    /// <summary>Stops accepting events without leaving the registry (used while the bus stops).</summary>
    public void CompleteIntake() => Lanes.Complete();

    public void Dispose()
    {
        _registry.Remove(this);
        Lanes.Complete();
    }

    public async ValueTask DisposeAsync()
    {
        Dispose();
        await Completion.ConfigureAwait(false);
    }

    public override string ToString() => $"{Name} ({Pattern})";
}
