namespace EventBus;

/// <summary>An aggregate loaded from its stream: the current state, the version it was loaded at, and the events
/// raised since, which <see cref="IAggregateRepository{TState}.SaveAsync"/> appends.</summary>
/// <typeparam name="TState">The state type, folded from events by the registered evolve function.</typeparam>
/// <remarks>An instance is a unit of work for one caller: it is not thread-safe; load one per decision.</remarks>
public sealed class Aggregate<TState>
{
    private readonly Func<TState, object, TState> _evolve;
    private readonly List<object> _pending = [];

    internal Aggregate(string id, string streamId, TState state, long version, Func<TState, object, TState> evolve)
    {
        Id = id;
        StreamId = streamId;
        State = state;
        Version = version;
        _evolve = evolve;
    }

    /// <summary>Gets the aggregate id.</summary>
    public string Id { get; }

    /// <summary>Gets the id of the stream that holds the aggregate's events.</summary>
    public string StreamId { get; }

    /// <summary>Gets the current state, including raised events not saved yet.</summary>
    public TState State { get; private set; }

    /// <summary>Gets the stream version the aggregate was loaded or last saved at; the next save expects it.</summary>
    public long Version { get; private set; }

    /// <summary>Gets the events raised since the aggregate was loaded or saved.</summary>
    public IReadOnlyList<object> PendingEvents => _pending;

    /// <summary>Records a decision: applies the event to <see cref="State"/> and queues it for saving.</summary>
    /// <param name="event">The event payload (or an <see cref="Event"/> envelope).</param>
    /// <exception cref="ArgumentNullException"><paramref name="event"/> is <see langword="null"/>.</exception>
    public void Raise(object @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        State = _evolve(State, @event is Event envelope ? envelope.Payload! : @event);
        _pending.Add(@event);
    }

    internal void MarkSaved(long version)
    {
        Version = version;
        _pending.Clear();
    }
}
