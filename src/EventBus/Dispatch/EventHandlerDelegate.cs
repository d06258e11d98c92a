namespace EventBus.Dispatch;

/// <summary>Adapts the handler shapes users register to the one the dispatch loop calls.</summary>
internal static class EventHandlerDelegate
{
    public static Func<Event, CancellationToken, ValueTask> Typed<T>(Func<Event<T>, CancellationToken, ValueTask> handler) =>
        (@event, cancellationToken) => handler(AsTyped<T>(@event), cancellationToken);

    public static Event<T> AsTyped<T>(Event @event)
    {
        if (@event is Event<T> typed)
        {
            return typed;
        }

        if (@event.Payload is T)
        {
            return Event<T>.From(@event);
        }

        throw new EventPayloadMismatchException(
            $"Event '{@event.Id}' of type '{@event.Type}' carries a {@event.Payload?.GetType().FullName ?? "null"} payload; the subscription expects {typeof(T).FullName}.");
    }
}
