namespace EventBus.Dispatch;

/// <summary>Raised inside a typed subscription whose event carries a payload of another type.</summary>
internal sealed class EventPayloadMismatchException(string message) : InvalidCastException(message);
