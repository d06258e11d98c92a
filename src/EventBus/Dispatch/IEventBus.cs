namespace EventBus;

/// <summary>Publishes events to, and subscribes handlers on, an in-process bus.</summary>
/// <remarks>
/// Every subscription has its own bounded, priority-aware queue and its own worker, so a slow or failing handler
/// only ever delays itself. Publishing returns once every matching subscription has accepted the event.
/// <para>A publish is all or nothing: room is reserved in every matching subscription before the event is written to
/// any of them. When <c>PublishAsync</c> throws (a full subscription with <see cref="OverflowPolicy.Fail"/>, a handler
/// publishing into its own full subscription, a stopping bus, a cancelled wait), no subscription has the event, so
/// retrying it duplicates nothing. When it returns, every matching subscription accepted the event and will record
/// exactly one outcome for it: handled, dropped as a duplicate, or dead-lettered with a reason (an overflow policy
/// that drops events dead-letters them with <see cref="DeadLetterReason.Overflow"/>).</para>
/// </remarks>
public interface IEventBus
{
    /// <summary>Publishes an event envelope.</summary>
    /// <param name="event">The event; unset attributes are stamped (see <see cref="Event"/>).</param>
    /// <param name="cancellationToken">Cancels waiting for room in a full subscription.</param>
    /// <returns>A task that completes when every matching subscription has accepted the event.</returns>
    /// <exception cref="EventBusClosedException">The bus is stopping or stopped; no subscription has the event.</exception>
    /// <exception cref="SubscriptionOverflowException">A subscription with <see cref="OverflowPolicy.Fail"/> is full, or a
    /// handler publishes into its own full subscription with <see cref="OverflowPolicy.Wait"/> (waiting would deadlock);
    /// no subscription has the event.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while waiting for
    /// room; no subscription has the event.</exception>
    ValueTask PublishAsync(Event @event, CancellationToken cancellationToken = default);

    /// <summary>Publishes a payload as an event of the type its CLR type is registered or attributed with.</summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="payload">The payload. An <see cref="Event"/> passed here is published as the envelope it is.</param>
    /// <param name="options">Envelope attributes to set, such as priority or subject; <see langword="null"/> for the
    /// defaults (or use the <see cref="EventBusExtensions.PublishAsync{T}(IEventBus, T, CancellationToken)"/> overload).</param>
    /// <param name="cancellationToken">Cancels waiting for room in a full subscription.</param>
    /// <returns>A task that completes when every matching subscription has accepted the event.</returns>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> has no event type name.</exception>
    /// <exception cref="EventBusClosedException">The bus is stopping or stopped; no subscription has the event.</exception>
    /// <exception cref="SubscriptionOverflowException">A subscription with <see cref="OverflowPolicy.Fail"/> is full, or a
    /// handler publishes into its own full subscription with <see cref="OverflowPolicy.Wait"/>; no subscription has the
    /// event.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while waiting for
    /// room; no subscription has the event.</exception>
    ValueTask PublishAsync<T>(T payload, PublishOptions? options, CancellationToken cancellationToken = default);

    /// <summary>Subscribes a handler to the events whose payload is a <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="handler">The handler.</param>
    /// <param name="options">Subscription settings; defaults come from <see cref="EventBusOptions"/>.</param>
    /// <returns>The subscription; dispose it to unsubscribe.</returns>
    /// <exception cref="ArgumentException">The options are invalid or the name is taken.</exception>
    /// <exception cref="EventBusClosedException">The bus is stopping or stopped.</exception>
    IEventSubscription Subscribe<T>(Func<Event<T>, CancellationToken, ValueTask> handler, SubscriptionOptions? options = null);

    /// <summary>Subscribes a handler to every event whose type matches a topic pattern.</summary>
    /// <param name="pattern">An AMQP-style pattern such as <c>order.*</c> or <c>#</c> (see <see cref="TopicPattern"/>).</param>
    /// <param name="handler">The handler.</param>
    /// <param name="options">Subscription settings; defaults come from <see cref="EventBusOptions"/>.</param>
    /// <returns>The subscription; dispose it to unsubscribe.</returns>
    /// <exception cref="ArgumentException">The pattern or the options are invalid, or the name is taken.</exception>
    /// <exception cref="EventBusClosedException">The bus is stopping or stopped.</exception>
    IEventSubscription Subscribe(string pattern, Func<Event, CancellationToken, ValueTask> handler, SubscriptionOptions? options = null);

    /// <summary>Gets the live subscriptions.</summary>
    IReadOnlyList<IEventSubscription> Subscriptions { get; }
}
