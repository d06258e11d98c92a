using EventBus.Resilience;

namespace EventBus.Dispatch;

/// <summary>
/// One place where a subscription delivers events, one at a time: its ambient-event holder, its policy trip state,
/// and the event it is delivering.
/// </summary>
/// <remarks>
/// Every delivery ends in exactly one outcome, and a compare-exchange on the current event decides who records it:
/// the worker when the delivery ends (<see cref="TryClaim"/>), or the stopping bus when the handler ignored
/// cancellation past the grace period (<see cref="Abandon"/>). Whoever loses records nothing.
/// </remarks>
internal sealed class DeliverySlot(EventContext.Holder context, SubscriptionResilience.Delivery? delivery)
{
    // Stands in the slot once the stopping bus took its delivery over: the worker must not deliver again.
    private static readonly Event AbandonedMarker = new("eventbus.abandoned");

    private Event? _current;

    public EventContext.Holder Context { get; } = context;

    public SubscriptionResilience.Delivery? Delivery { get; } = delivery;

    /// <summary>Gets a value indicating whether the stopping bus took this slot's delivery over: its worker must stop.</summary>
    public bool IsAbandoned => ReferenceEquals(Volatile.Read(ref _current), AbandonedMarker);

    /// <summary>Starts delivering an event: it is in flight, and visible to the handler as the causing event.</summary>
    public void Begin(Event @event)
    {
        Context.Event = @event;
        Volatile.Write(ref _current, @event);
    }

    /// <summary>Takes the right to record the outcome of the delivery of <paramref name="event"/>.</summary>
    /// <returns>true for the caller to record it; false when it was already claimed, or abandoned to the stopping bus.</returns>
    public bool TryClaim(Event @event)
    {
        if (!ReferenceEquals(Interlocked.CompareExchange(ref _current, null, @event), @event))
        {
            return false;
        }

        Context.Event = null;
        return true;
    }

    /// <summary>Takes the current delivery away from the worker, for the stopping bus to record.</summary>
    /// <returns>The event whose outcome the caller now owns, or <see langword="null"/> when the slot was between
    /// deliveries or its worker was already recording (then the worker goes on by itself).</returns>
    public Event? Abandon()
    {
        while (true)
        {
            var current = Volatile.Read(ref _current);
            if (current is null || ReferenceEquals(current, AbandonedMarker))
            {
                return null;
            }

            if (ReferenceEquals(Interlocked.CompareExchange(ref _current, AbandonedMarker, current), current))
            {
                return current;
            }
        }
    }
}
