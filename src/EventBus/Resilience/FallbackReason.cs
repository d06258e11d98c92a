namespace EventBus;

/// <summary>Why a subscription's fallback handler was called instead of its handler.</summary>
public enum FallbackReason
{
    /// <summary>The handler failed on every attempt its retry policy allowed.</summary>
    RetriesExhausted,

    /// <summary>The subscription's circuit breaker is open.</summary>
    CircuitOpen,
}
