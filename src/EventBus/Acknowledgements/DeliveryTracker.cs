using System.Runtime.CompilerServices;

namespace EventBus.Acknowledgements;

/// <summary>
/// Knows which queued events an origin waits on, by reference (each tracked publish queues its own instance), and
/// routes every subscription's outcome for them back to the origin's <see cref="DeliveryTicket"/>. The one place the
/// end of a delivery is told to whoever needs it. Costs one volatile read per delivery while nothing is tracked.
/// </summary>
internal sealed class DeliveryTracker
{
    private readonly ConditionalWeakTable<Event, DeliveryTicket> _tickets = [];
    private int _active;

    /// <summary>Starts tracking an event instance that is about to be queued.</summary>
    public DeliveryTicket Track(Event @event, DeadLetter? redriven = null)
    {
        var ticket = new DeliveryTicket(redriven);
        Track(@event, ticket);
        return ticket;
    }

    /// <summary>Tracks an event instance with a ticket made earlier (the bus may copy the envelope before queueing).</summary>
    public void Track(Event @event, DeliveryTicket ticket)
    {
        _tickets.AddOrUpdate(@event, ticket);
        Interlocked.Increment(ref _active);
    }

    /// <summary>Stops tracking an event whose publish failed (nothing will report on it).</summary>
    public void Untrack(Event @event)
    {
        if (_tickets.Remove(@event))
        {
            Interlocked.Decrement(ref _active);
        }
    }

    /// <summary>Finds the ticket of a tracked event, or returns <see langword="null"/>.</summary>
    public DeliveryTicket? Find(Event @event) =>
        Volatile.Read(ref _active) != 0 && _tickets.TryGetValue(@event, out var ticket) ? ticket : null;

    /// <summary>Tells the origin of a tracked event how many subscriptions accepted it.</summary>
    public void Expect(Event @event, int count)
    {
        if (Find(@event) is { } ticket && ticket.Expect(count))
        {
            Untrack(@event);
        }
    }

    /// <summary>Tells the origin of a tracked event one subscription's outcome.</summary>
    public void Report(Event @event, string subscriptionName, DeliveryStatus status, DeadLetterReason? reason = null)
    {
        // Once every outcome is in, the event is forgotten, so Find stays one volatile read when nothing is tracked.
        if (Find(@event) is { } ticket && ticket.Report(new DeliveryAcknowledgement(subscriptionName, status, reason)))
        {
            Untrack(@event);
        }
    }
}
