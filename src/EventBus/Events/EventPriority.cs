namespace EventBus;

/// <summary>How urgently an event should reach its subscribers, relative to other queued events.</summary>
/// <remarks>
/// Every subscription keeps one queue lane per priority. Lanes are served by weighted round robin with the
/// priority value as the weight: while all three lanes are backlogged, out of every 16 deliveries 10 are
/// <see cref="High"/>, 5 <see cref="Normal"/> and 1 <see cref="Low"/>, so a high-priority event overtakes a
/// backlog and a low-priority event is never starved.
/// </remarks>
public enum EventPriority
{
    /// <summary>Background work; served at least once in every 16 deliveries while backlogged.</summary>
    Low = 1,

    /// <summary>The default priority.</summary>
    Normal = 5,

    /// <summary>Urgent events; they overtake queued normal and low events.</summary>
    High = 10,
}
