namespace EventBus;

/// <summary>What a saga does with an event that arrives before the one it depends on: for an instance that has not
/// started yet, or in a step the handler does not expect.</summary>
public enum OutOfOrderPolicy
{
    /// <summary>Keep the event with the instance and apply it as soon as the instance reaches a step that expects it.
    /// Events still parked when the saga finishes are dropped with a log line.</summary>
    Park,

    /// <summary>Drop the event with a log line.</summary>
    Ignore,
}
