namespace EventBus;

/// <summary>Why an event left the normal delivery path.</summary>
public enum DeadLetterReason
{
    /// <summary>The handler kept failing after every attempt its policy allowed.</summary>
    HandlerFailed,

    /// <summary>The subscription's queue was full and its overflow policy dropped the event.</summary>
    Overflow,

    /// <summary>The bus stopped before the event could be handled within the drain timeout.</summary>
    NotDrained,

    /// <summary>The payload could not be read as the type the subscription expects, or a stored event's JSON could not
    /// be read.</summary>
    DeserializationFailed,

    /// <summary>The event expired before it could be handled.</summary>
    Expired,

    /// <summary>The subscription's ordering key selector threw for the event, so it could not be placed.</summary>
    OrderingKeyFailed,

    /// <summary>Something around the handler failed (the duplicate check, the expiry check, a logger or metrics
    /// listener); the handler may or may not have run.</summary>
    DeliveryFailed,

    /// <summary>The bus stopped while the handler was still running and ignoring cancellation; it may yet finish.</summary>
    Abandoned,

    /// <summary>A stored event's type is not registered in this version of the application (written by a newer release,
    /// or its registration was removed), so a reader of the global log could not turn it into an event.</summary>
    UnknownEventType,
}
