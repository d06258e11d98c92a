namespace EventBus;

/// <summary>Describes a stored event skipped because its type is not registered.</summary>
/// <param name="record">The stored event.</param>
public readonly struct OnUnknownEventTypeArguments(EventRecord record)
{
    /// <summary>Gets the stored event, with its stream, version, position and type name.</summary>
    public EventRecord Record { get; } = record;
}
