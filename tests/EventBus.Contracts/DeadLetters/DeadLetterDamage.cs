namespace EventBus.Contracts.DeadLetters;

/// <summary>How a test damages a stored dead letter, the way a hand edit, a faulty migration or a newer release
/// could, so that the store can no longer read it back.</summary>
public enum DeadLetterDamage
{
    /// <summary>The stored event type is not a valid event type name.</summary>
    InvalidEventType,

    /// <summary>The stored entry is not JSON.</summary>
    UnreadableJson,
}
