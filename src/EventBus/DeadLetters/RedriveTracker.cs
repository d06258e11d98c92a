using System.Runtime.CompilerServices;

namespace EventBus.DeadLetters;

/// <summary>
/// Remembers which queued events are redriven dead letters, by reference (each redrive queues a fresh copy), so the
/// worker can tell the redriver how delivery ended and a renewed failure keeps its history. Costs one volatile read
/// per delivery while no redrive runs.
/// </summary>
internal sealed class RedriveTracker
{
    private readonly ConditionalWeakTable<Event, Ticket> _tickets = [];
    private int _active;

    public Ticket Register(Event @event, DeadLetter original)
    {
        var ticket = new Ticket(original);
        _tickets.AddOrUpdate(@event, ticket);
        Interlocked.Increment(ref _active);
        return ticket;
    }

    /// <summary>Gets whether the event is a redriven dead letter, without ending its ticket.</summary>
    public bool IsRedriven(Event @event) => Volatile.Read(ref _active) != 0 && _tickets.TryGetValue(@event, out _);

    /// <summary>Ends the ticket of a redriven event, if it is one.</summary>
    public Ticket? TryTake(Event @event)
    {
        if (Volatile.Read(ref _active) == 0 || !_tickets.TryGetValue(@event, out var ticket) || !_tickets.Remove(@event))
        {
            return null;
        }

        Interlocked.Decrement(ref _active);
        return ticket;
    }

    internal sealed class Ticket(DeadLetter original)
    {
        private readonly TaskCompletionSource<bool> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public DeadLetter Original { get; } = original;

        /// <summary>Completes with true when the event was handled, false when it was dead-lettered again.</summary>
        public Task<bool> Completion => _done.Task;

        public void Complete(bool handled) => _done.TrySetResult(handled);
    }
}
