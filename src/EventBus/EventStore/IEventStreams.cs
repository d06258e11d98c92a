namespace EventBus;

/// <summary>The typed face of the event store: appends payloads or envelopes, reads them back deserialized and
/// upcast, and runs inline projections as part of the append.</summary>
/// <remarks>
/// Payload type names come from the <see cref="IEventTypeRegistry"/>; the payload is serialized with
/// System.Text.Json using <see cref="EventStoreOptions.JsonSerializerOptions"/>. On append, envelope attributes left
/// unset are filled in: a new UUIDv7 id, the time, the stream id as the subject (so bus subscriptions keep per-stream
/// order), and correlation and causation from the event being handled, if any.
/// </remarks>
public interface IEventStreams
{
    /// <summary>Appends events to a stream atomically, then runs the inline projections up to them.</summary>
    /// <param name="streamId">The stream id (see <see cref="StreamId"/>).</param>
    /// <param name="expectedVersion">The version the stream must be at.</param>
    /// <param name="events">Payloads (their CLR type must have an event type name) or <see cref="Event"/> envelopes.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The stream version and global position of the last event.</returns>
    /// <exception cref="ArgumentException">The stream id is invalid or there are no events.</exception>
    /// <exception cref="InvalidOperationException">A payload type has no event type name, or an inline projection
    /// failed after the events were committed (the message says so; the projection resumes from its checkpoint).</exception>
    /// <exception cref="EventStoreConcurrencyException">The stream is not at <paramref name="expectedVersion"/>.</exception>
    /// <exception cref="StreamDeletedException">The stream is deleted.</exception>
    ValueTask<AppendResult> AppendAsync(string streamId, ExpectedVersion expectedVersion, IEnumerable<object> events, CancellationToken cancellationToken = default);

    /// <summary>Reads a stream page by page, deserialized.</summary>
    /// <param name="streamId">The stream id.</param>
    /// <param name="direction">Forwards (ascending versions) or backwards.</param>
    /// <param name="fromVersion">The first version to return (inclusive); <see langword="null"/> for the start in
    /// the chosen direction.</param>
    /// <param name="maxCount">The maximum number of stored events to read (skipped unknown types count).</param>
    /// <param name="cancellationToken">A token to cancel the enumeration.</param>
    /// <returns>The events.</returns>
    /// <exception cref="UnknownEventTypeException">An event type is not registered and
    /// <see cref="EventStoreOptions.UnknownEventTypes"/> is <see cref="UnknownEventTypeHandling.Fail"/>.</exception>
    IAsyncEnumerable<StoredEvent> ReadStreamAsync(string streamId, ReadDirection direction = ReadDirection.Forwards, long? fromVersion = null, long maxCount = long.MaxValue, CancellationToken cancellationToken = default);

    /// <summary>Reads the global log forwards, deserialized.</summary>
    /// <param name="fromPosition">The first position to return (inclusive); 0 for the beginning.</param>
    /// <param name="maxCount">The maximum number of stored events to read.</param>
    /// <param name="cancellationToken">A token to cancel the enumeration.</param>
    /// <returns>The events in commit order.</returns>
    /// <exception cref="UnknownEventTypeException">An event type is not registered and unknown types fail.</exception>
    IAsyncEnumerable<StoredEvent> ReadAllAsync(long fromPosition = 0, long maxCount = long.MaxValue, CancellationToken cancellationToken = default);

    /// <summary>A catch-up subscription to the global log: history after the checkpoint, then live events, with no
    /// gap and no duplicate at the switch.</summary>
    /// <param name="afterPosition">The last position already processed (0 for the beginning).</param>
    /// <param name="filter">Only events whose type matches are returned (same syntax as bus subscriptions);
    /// <see langword="null"/> for all.</param>
    /// <param name="cancellationToken">Ends the subscription; the enumeration then throws
    /// <see cref="OperationCanceledException"/>.</param>
    /// <returns>An endless sequence of events in position order.</returns>
    IAsyncEnumerable<StoredEvent> SubscribeToAllAsync(long afterPosition = 0, TopicPattern? filter = null, CancellationToken cancellationToken = default);
}
