namespace EventBus.Resilience;

internal enum DeliveryOutcome
{
    /// <summary>The handler succeeded.</summary>
    Handled,

    /// <summary>The fallback handled the event.</summary>
    HandledByFallback,

    /// <summary>The handler (and fallback, if any) failed: dead-letter the event.</summary>
    Failed,

    /// <summary>The payload is not what the handler expects: dead-letter without retrying.</summary>
    Unreadable,

    /// <summary>The bus gave up draining while the event was being handled or waited.</summary>
    Cancelled,
}
