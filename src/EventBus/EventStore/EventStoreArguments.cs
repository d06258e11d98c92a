namespace EventBus;

/// <summary>The argument rules of <see cref="IEventStore"/>, shared by every backend so they all reject the same
/// input with the same exceptions.</summary>
public static class EventStoreArguments
{
    /// <summary>Validates the arguments of <see cref="IEventStore.AppendAsync"/>.</summary>
    /// <param name="streamId">The stream id.</param>
    /// <param name="events">The batch.</param>
    /// <exception cref="ArgumentNullException"><paramref name="events"/> or one of its items is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The stream id is invalid, the batch is empty, or it holds an event id twice.</exception>
    public static void ValidateAppend(string streamId, IReadOnlyList<EventData> events)
    {
        StreamId.Validate(streamId, nameof(streamId));
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            throw new ArgumentException("An append needs at least one event.", nameof(events));
        }

        if (events.Count == 1)
        {
            ArgumentNullException.ThrowIfNull(events[0], nameof(events));
            return;
        }

        var ids = new HashSet<string>(events.Count, StringComparer.Ordinal);
        foreach (var data in events)
        {
            ArgumentNullException.ThrowIfNull(data, nameof(events));
            if (!ids.Add(data.EventId))
            {
                throw new ArgumentException($"The batch contains event id '{data.EventId}' more than once.", nameof(events));
            }
        }
    }

    /// <summary>Validates the arguments of <see cref="IEventStore.ReadStreamAsync"/>.</summary>
    /// <param name="streamId">The stream id.</param>
    /// <param name="direction">The direction.</param>
    /// <param name="fromVersion">The first version to read, if any.</param>
    /// <param name="maxCount">The most events to read.</param>
    /// <exception cref="ArgumentException">The stream id is invalid.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A number is negative or the direction is unknown.</exception>
    public static void ValidateReadStream(string streamId, ReadDirection direction, long? fromVersion, long maxCount)
    {
        StreamId.Validate(streamId, nameof(streamId));
        if (fromVersion is { } from)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(from, nameof(fromVersion));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(maxCount);
        if (!Enum.IsDefined(direction))
        {
            throw new ArgumentOutOfRangeException(nameof(direction), direction, "Direction must be Forwards or Backwards.");
        }
    }

    /// <summary>Validates the arguments of <see cref="IEventStore.ReadAllAsync"/>.</summary>
    /// <param name="fromPosition">The position to read from.</param>
    /// <param name="maxCount">The most events to read.</param>
    /// <exception cref="ArgumentOutOfRangeException">A number is negative.</exception>
    public static void ValidateReadAll(long fromPosition, long maxCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fromPosition);
        ArgumentOutOfRangeException.ThrowIfNegative(maxCount);
    }
}
