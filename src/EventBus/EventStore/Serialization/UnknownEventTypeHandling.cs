namespace EventBus;

/// <summary>What reading does with a stored event whose type name is not registered.</summary>
public enum UnknownEventTypeHandling
{
    /// <summary>Throw <see cref="UnknownEventTypeException"/> naming the stream, version, position and type.</summary>
    Fail = 0,

    /// <summary>Leave the event out of the results, log a warning and call
    /// <see cref="EventStoreOptions.OnUnknownEventType"/>.</summary>
    Skip = 1,
}
