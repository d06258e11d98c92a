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
        Lanes = new PriorityLanes(name, capacity, overflowPolicy, freeOnRead: maxConcurrency == 1);
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

    /// <summary>Gets a value indicating whether the worker ended while the subscription still takes events: a bug,
    /// reported by the health check.</summary>
    public bool WorkerFailed => _worker.Completion.IsFaulted || (_worker.Completion.IsCompleted && !Lanes.IsCompleted);

    public static string? DefaultOrderingKey(Event @event) => @event.Subject ?? @event.CorrelationId;

    public void Start() => _worker.Start();

    /// <summary>Stops accepting events without leaving the registry (used while the bus stops).</summary>
    public void CompleteIntake() => Lanes.Complete();

    /// <summary>Records what a handler that ignored cancellation still holds, and what is queued behind it.</summary>
    public Task AbandonAsync(TimeSpan grace) => _worker.AbandonAsync(grace);

    public void Dispose()
    {
        _registry.Remove(this);
        Lanes.Complete();
    }

    /// <summary>Unsubscribes and waits until every accepted event reached its outcome; from inside this subscription's
    /// own handler it returns without waiting, since the worker cannot finish while it runs that handler.</summary>
    public async ValueTask DisposeAsync()
    {
        Dispose();
        if (ReferenceEquals(EventContext.CurrentSubscription, this))
        {
            return;
        }

        await Completion.ConfigureAwait(false);
    }

    public override string ToString() => $"{Name} ({Pattern})";
}
