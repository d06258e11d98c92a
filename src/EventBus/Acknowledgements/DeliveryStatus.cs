namespace EventBus;

/// <summary>How the delivery of one event to one subscription ended.</summary>
public enum DeliveryStatus
{
    /// <summary>The handler succeeded.</summary>
    Handled,

    /// <summary>The handler failed and the subscription's fallback handled the event.</summary>
    HandledByFallback,

    /// <summary>The subscription had already handled an event with this id and dropped the redelivery.</summary>
    Duplicate,

    /// <summary>The event left the normal path for the dead-letter store (see <see cref="DeliveryAcknowledgement.Reason"/>).</summary>
    DeadLettered,

    /// <summary>The bus stopped before the delivery could finish: the event was dead-lettered as
    /// <see cref="DeadLetterReason.NotDrained"/> or <see cref="DeadLetterReason.Abandoned"/>. A durable origin delivers it
    /// again after the restart.</summary>
    Interrupted,
}
