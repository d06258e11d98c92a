namespace EventBus;

/// <summary>Convenience overloads of <see cref="IEventBus"/> for handlers that are synchronous or return
/// <see cref="Task"/>.</summary>
public static class EventBusExtensions
{
    /// <summary>Publishes a payload as an event with default attributes.</summary>
    /// <typeparam name="T">The payload type, named by <see cref="EventTypeAttribute"/> or registration.</typeparam>
    /// <param name="bus">The bus.</param>
    /// <param name="payload">The payload.</param>
    /// <param name="cancellationToken">Cancels waiting for room in a full subscription.</param>
    /// <returns>A task that completes when every matching subscription has accepted the event.</returns>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> has no event type name.</exception>
    /// <exception cref="EventBusClosedException">The bus is stopping or stopped.</exception>
    public static ValueTask PublishAsync<T>(this IEventBus bus, T payload, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(bus);
        return bus.PublishAsync(payload, null, cancellationToken);
    }

    /// <summary>Subscribes a synchronous handler to events with a <typeparamref name="T"/> payload.</summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="bus">The bus.</param>
    /// <param name="handler">The handler.</param>
    /// <param name="options">Subscription settings.</param>
    /// <returns>The subscription; dispose it to unsubscribe.</returns>
    public static IEventSubscription Subscribe<T>(this IEventBus bus, Action<Event<T>> handler, SubscriptionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentNullException.ThrowIfNull(handler);
        return bus.Subscribe<T>((@event, _) =>
        {
            handler(@event);
            return default;
        }, options);
    }

    /// <summary>Subscribes an asynchronous handler to events with a <typeparamref name="T"/> payload.</summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="bus">The bus.</param>
    /// <param name="handler">The handler.</param>
    /// <param name="options">Subscription settings.</param>
    /// <returns>The subscription; dispose it to unsubscribe.</returns>
    public static IEventSubscription Subscribe<T>(this IEventBus bus, Func<Event<T>, Task> handler, SubscriptionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentNullException.ThrowIfNull(handler);
        return bus.Subscribe<T>((@event, _) => new ValueTask(handler(@event)), options);
    }

    /// <summary>Subscribes a synchronous handler to every event whose type matches <paramref name="pattern"/>.</summary>
    /// <param name="bus">The bus.</param>
    /// <param name="pattern">An AMQP-style topic pattern such as <c>order.*</c>.</param>
    /// <param name="handler">The handler.</param>
    /// <param name="options">Subscription settings.</param>
    /// <returns>The subscription; dispose it to unsubscribe.</returns>
    public static IEventSubscription Subscribe(this IEventBus bus, string pattern, Action<Event> handler, SubscriptionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentNullException.ThrowIfNull(handler);
        return bus.Subscribe(pattern, (@event, _) =>
        {
            handler(@event);
            return default;
        }, options);
    }

    /// <summary>Subscribes an asynchronous handler to every event whose type matches <paramref name="pattern"/>.</summary>
    /// <param name="bus">The bus.</param>
    /// <param name="pattern">An AMQP-style topic pattern such as <c>order.*</c>.</param>
    /// <param name="handler">The handler.</param>
    /// <param name="options">Subscription settings.</param>
    /// <returns>The subscription; dispose it to unsubscribe.</returns>
    public static IEventSubscription Subscribe(this IEventBus bus, string pattern, Func<Event, Task> handler, SubscriptionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentNullException.ThrowIfNull(handler);
        return bus.Subscribe(pattern, (@event, _) => new ValueTask(handler(@event)), options);
    }
}
