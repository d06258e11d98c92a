using System.Globalization;
using System.Text;
using EventBus.DeadLetters;

namespace EventBus.EventStore.Serialization;

/// <summary>
/// Reads stored events for the readers of the global log (the outbox, projections, catch-up subscriptions): an event
/// that cannot be read — JSON that does not parse, or a type this version does not know — is dead-lettered once under
/// the reader's name, with its stream, version and position, and the reader moves on to the next event instead of
/// failing at the same position for ever.
/// </summary>
internal sealed class UnreadableEvents(EventSerializer serializer, DeadLetterSink deadLetters)
{
    /// <summary>The header of a dead-lettered stored event that names its stream.</summary>
    public const string StreamHeader = "eventbus-stream";

    /// <summary>The header of a dead-lettered stored event that names its version in the stream.</summary>
    public const string StreamVersionHeader = "eventbus-stream-version";

    /// <summary>The header of a dead-lettered stored event that names its global position.</summary>
    public const string PositionHeader = "eventbus-position";

    // What a stored event whose type is not even a valid type name is dead-lettered as.
    private const string UnreadableType = "eventbus.unreadable";

    /// <summary>Deserializes a record; returns <see langword="null"/> when it was skipped (unknown type set to skip) or
    /// dead-lettered (unreadable).</summary>
    /// <param name="record">The stored event.</param>
    /// <param name="readerName">Who reads it, for example <c>$outbox</c>: the subscription name of the dead letter.</param>
    public async ValueTask<StoredEvent?> TryReadAsync(EventRecord record, string readerName)
    {
        StoredEvent? stored;
        try
        {
            stored = serializer.Deserialize(record);
        }
        catch (UnknownEventTypeException ex)
        {
            await DeadLetterAsync(record, readerName, DeadLetterReason.UnknownEventType, ex).ConfigureAwait(false);
            return null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await DeadLetterAsync(record, readerName, DeadLetterReason.DeserializationFailed, ex).ConfigureAwait(false);
            return null;
        }

        return stored;
    }

    private ValueTask DeadLetterAsync(EventRecord record, string readerName, DeadLetterReason reason, Exception exception)
    {
        var type = EventTypeName.IsValid(record.EventType) ? record.EventType : UnreadableType;
        var @event = new Event(type, Encoding.UTF8.GetString(record.Data.Span))
        {
            Id = record.EventId,
            Subject = record.StreamId,
            Time = record.Recorded,
            DataVersion = string.IsNullOrWhiteSpace(record.DataVersion) ? Event.DefaultDataVersion : record.DataVersion,
            Headers = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [StreamHeader] = record.StreamId,
                [StreamVersionHeader] = record.StreamVersion.ToString(CultureInfo.InvariantCulture),
                [PositionHeader] = record.Position.ToString(CultureInfo.InvariantCulture),
            },
        };
        // The serializer's exceptions name the stream, version and position; the headers carry them as data.
        return deadLetters.AddAsync(@event, readerName, reason, exception, 0);
    }
}
