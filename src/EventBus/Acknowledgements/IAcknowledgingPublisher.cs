namespace EventBus;

/// <summary>Publishes events on the bus and tells the caller when each subscription has finished with them: the seam
/// through which durable origins (the event store outbox, the saga outbox, dead-letter redrive, a broker consumer) move
/// their checkpoints, outboxes and acknowledgements only on the outcome, never on the queueing.</summary>
/// <remarks>Resolve it from the service provider next to <see cref="IEventBus"/>; it is the same bus.</remarks>
public interface IAcknowledgingPublisher
{
    /// <summary>Publishes an event envelope, exactly like <see cref="IEventBus.PublishAsync(Event, CancellationToken)"/>
    /// (all or nothing, with backpressure), and returns once every matching subscription accepted it.</summary>
    /// <param name="event">The event; unset attributes are stamped.</param>
    /// <param name="cancellationToken">Cancels waiting for room in a full subscription.</param>
    /// <returns>A receipt whose <see cref="DeliveryReceipt.Outcomes"/> completes when every accepting subscription has
    /// reached its outcome.</returns>
    /// <exception cref="EventBusClosedException">The bus is stopping or stopped; no subscription has the event.</exception>
    /// <exception cref="SubscriptionOverflowException">A subscription rejected the event; no subscription has it.</exception>
    /// <exception cref="OperationCanceledException">Cancelled while waiting for room; no subscription has the event.</exception>
    ValueTask<DeliveryReceipt> PublishAsync(Event @event, CancellationToken cancellationToken = default);
}
