namespace EventBus;

public sealed partial class EventBusOptions
{
    /// <summary>Gets the settings of the in-memory dead-letter store.</summary>
    public DeadLetterOptions DeadLetters { get; } = new();
}
