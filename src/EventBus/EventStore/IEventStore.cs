namespace EventBus;

/// <summary>Append-only event streams plus a global log (<c>$all</c>) of every event in commit order; the seam a
/// storage backend implements (in memory here, SQLite and PostgreSQL in their own packages).</summary>
/// <remarks>
/// <para>Versions count events within a stream from 1; positions count events in the global log from 1 and are
/// never reused. The store deals in serialized events; <see cref="IEventStreams"/> adds serialization, upcasting
/// and inline projections on top.</para>
/// <para>Deleting a stream tombstones it: stream reads return nothing, appends throw
/// <see cref="StreamDeletedException"/>, and its events stay in the global log (history is not rewritten).
/// Truncating a stream before a version prunes the older events: stream reads start at that version and the global
/// log skips them (their positions are left as gaps).</para>
/// </remarks>
public interface IEventStore
{
    /// <summary>Appends a batch of events to a stream atomically: all of them or none.</summary>
    /// <param name="streamId">The stream id (see <see cref="StreamId"/>).</param>
    /// <param name="expectedVersion">The version the stream must be at.</param>
    /// <param name="events">The events, at least one, with distinct ids.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The stream version and global position of the last event. When the ids of
    /// <paramref name="events"/> were already appended to this stream as one batch, nothing is written and the
    /// original result is returned (idempotent retry), whatever <paramref name="expectedVersion"/> says.</returns>
    /// <exception cref="ArgumentException">The stream id is invalid, the batch is empty or repeats an id, or an event
    /// id is already stored in another stream or another batch.</exception>
    /// <exception cref="EventStoreConcurrencyException">The stream is not at <paramref name="expectedVersion"/>.</exception>
    /// <exception cref="StreamDeletedException">The stream is deleted.</exception>
    ValueTask<AppendResult> AppendAsync(string streamId, ExpectedVersion expectedVersion, IReadOnlyList<EventData> events, CancellationToken cancellationToken = default);

    /// <summary>Reads a stream page by page.</summary>
    /// <param name="streamId">The stream id.</param>
    /// <param name="direction">Forwards (ascending versions) or backwards.</param>
    /// <param name="fromVersion">The first version to return (inclusive); <see langword="null"/> for the first
    /// readable event forwards, the last event backwards.</param>
    /// <param name="maxCount">The maximum number of events to return.</param>
    /// <param name="cancellationToken">A token to cancel the enumeration.</param>
    /// <returns>The events; none when the stream does not exist or is deleted.</returns>
    /// <exception cref="ArgumentException">The stream id is invalid.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fromVersion"/> or <paramref name="maxCount"/>
    /// is negative.</exception>
    IAsyncEnumerable<EventRecord> ReadStreamAsync(string streamId, ReadDirection direction = ReadDirection.Forwards, long? fromVersion = null, long maxCount = long.MaxValue, CancellationToken cancellationToken = default);

    /// <summary>Reads the global log forwards, page by page, in commit order.</summary>
    /// <param name="fromPosition">The first position to return (inclusive); 0 or 1 for the beginning.</param>
    /// <param name="maxCount">The maximum number of events to return.</param>
    /// <param name="cancellationToken">A token to cancel the enumeration.</param>
    /// <returns>The events, ascending by position.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An argument is negative.</exception>
    IAsyncEnumerable<EventRecord> ReadAllAsync(long fromPosition = 0, long maxCount = long.MaxValue, CancellationToken cancellationToken = default);

    /// <summary>Gets the state of a stream.</summary>
    /// <param name="streamId">The stream id.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The state; version 0 when the stream does not exist.</returns>
    /// <exception cref="ArgumentException">The stream id is invalid.</exception>
    ValueTask<StreamInfo> GetStreamInfoAsync(string streamId, CancellationToken cancellationToken = default);

    /// <summary>Deletes (tombstones) a stream; deleting a deleted stream does nothing.</summary>
    /// <param name="streamId">The stream id.</param>
    /// <param name="expectedVersion">The version the stream must be at.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the stream is deleted.</returns>
    /// <exception cref="ArgumentException">The stream id is invalid.</exception>
    /// <exception cref="EventStoreConcurrencyException">The stream is not at <paramref name="expectedVersion"/>.</exception>
    ValueTask DeleteStreamAsync(string streamId, ExpectedVersion expectedVersion, CancellationToken cancellationToken = default);

    /// <summary>Prunes the events of a stream before a version; truncating before an already truncated version does
    /// nothing.</summary>
    /// <param name="streamId">The stream id.</param>
    /// <param name="beforeVersion">The first version to keep, from 1 to the stream version plus 1.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the events are pruned.</returns>
    /// <exception cref="ArgumentException">The stream id is invalid.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="beforeVersion"/> is below 1 or beyond the
    /// stream version plus 1.</exception>
    /// <exception cref="StreamDeletedException">The stream is deleted.</exception>
    ValueTask TruncateStreamAsync(string streamId, long beforeVersion, CancellationToken cancellationToken = default);

    /// <summary>Gets the position of the last committed event in the global log (0 when the log is empty).
    /// Every event at or below it is visible to <see cref="ReadAllAsync"/>.</summary>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The head position.</returns>
    ValueTask<long> GetHeadPositionAsync(CancellationToken cancellationToken = default);

    /// <summary>Waits until the global log has an event after <paramref name="afterPosition"/>.</summary>
    /// <param name="afterPosition">The position already seen.</param>
    /// <param name="cancellationToken">A token to stop waiting.</param>
    /// <returns>A task that completes when the head position is greater than <paramref name="afterPosition"/>.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    ValueTask WaitForEventsAsync(long afterPosition, CancellationToken cancellationToken = default);
}
