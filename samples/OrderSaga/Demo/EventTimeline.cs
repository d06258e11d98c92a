namespace EventBus.Samples.Orders.Demo;

/// <summary>Every event that crossed the bus, in the order the recording subscription received them.</summary>
public sealed class EventTimeline
{
    private readonly List<Event> _events = [];
    private readonly Lock _lock = new();

    public IReadOnlyList<Event> Events
    {
        get
        {
            lock (_lock)
            {
                return [.. _events];
            }
        }
    }

    public void Add(Event @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        lock (_lock)
        {
            _events.Add(@event);
        }
    }

    /// <summary>Groups the events by correlation id, each group in recording order, groups by their first event.</summary>
    public IReadOnlyList<IGrouping<string, Event>> ByCorrelation() =>
        [.. Events.GroupBy(e => e.CorrelationId ?? e.Id, StringComparer.Ordinal)];
}
