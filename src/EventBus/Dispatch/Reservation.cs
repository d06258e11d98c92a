namespace EventBus.Dispatch;

/// <summary>What a writer got when it asked a subscription's lanes for room.</summary>
internal enum Reservation
{
    /// <summary>A slot is the writer's: the write that follows cannot fail, even if the lanes complete meanwhile.</summary>
    Reserved,

    /// <summary>The lanes are full; the overflow policy decides what happens.</summary>
    Full,

    /// <summary>The lanes no longer accept events (the subscription ended or the bus is stopping).</summary>
    Closed,
}
