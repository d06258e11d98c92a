using System.Runtime.InteropServices;
using EventBus.PostgreSql.Storage;

namespace EventBus.PostgreSql.EventStore;

/// <summary>One caller's append on its way to the database: its batch as the arrays the append function takes, the
/// outcome the function reported for it, and the caller's task, completed only after the transaction that carried
/// the append has ended (committed, or failed and so wrote nothing of it).</summary>
internal sealed class PendingAppend
{
    private const int Queued = 0;
    private const int Started = 1;
    private const int Cancelled = 2;

    private readonly TaskCompletionSource<AppendResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private List<StoredEvent?>? _stored;
    private int _state;
    private CancellationTokenRegistration _cancellation;

    public PendingAppend(string streamId, ExpectedVersion expectedVersion, IReadOnlyList<EventData> events)
    {
        StreamId = streamId;
        ExpectedVersion = expectedVersion;
        var count = events.Count;
        EventIds = new string[count];
        EventTypes = new string[count];
        DataVersions = new string[count];
        Data = new byte[count][];
        Metadata = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            var e = events[i];
            EventIds[i] = e.EventId;
            EventTypes[i] = e.EventType;
            DataVersions[i] = e.DataVersion;
            Data[i] = ToArray(e.Data);
            Metadata[i] = ToArray(e.Metadata);
        }
    }

    public string StreamId { get; }

    public ExpectedVersion ExpectedVersion { get; }

    /// <summary>Gets the expected version as the append function takes it: -1 any, -2 no stream, -3 stream exists,
    /// otherwise the exact version.</summary>
    public long EncodedExpectedVersion =>
        ExpectedVersion.Version is { } exact ? exact
        : ExpectedVersion == ExpectedVersion.Any ? -1
        : ExpectedVersion == ExpectedVersion.NoStream ? -2
        : -3;

    public int Count => EventIds.Length;

    public string[] EventIds { get; }

    public string[] EventTypes { get; }

    public string[] DataVersions { get; }

    public byte[][] Data { get; }

    public byte[][] Metadata { get; }

    /// <summary>Gets the outcome the append function reported (one of the <see cref="PostgreSqlSchema"/> outcome
    /// constants), or -1 when it reported none.</summary>
    public int Outcome { get; private set; } = -1;

    /// <summary>Gets the result of a written append.</summary>
    public AppendResult Appended { get; private set; }

    /// <summary>Gets the stream's version when the expected version was not met.</summary>
    public long ActualVersion { get; private set; }

    public Task<AppendResult> Task => _completion.Task;

    /// <summary>Cancels the append while it waits for a group; once its group is sent it runs to its outcome.</summary>
    public void RegisterCancellation(CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.UnsafeRegister(static (state, token) => ((PendingAppend)state!).TryCancel(token), this);
        }
    }

    /// <summary>Claims the append for a group; <see langword="false"/> when it was cancelled while waiting.</summary>
    public bool TryStart()
    {
        var started = Interlocked.CompareExchange(ref _state, Started, Queued) == Queued;
        _cancellation.Dispose();
        return started;
    }

    /// <summary>Forgets the outcome of an earlier attempt (a group that failed as a whole, sent again alone).</summary>
    public void ResetOutcome()
    {
        Outcome = -1;
        _stored = null;
    }

    /// <summary>Records one outcome row of the append function for this append.</summary>
    public void Record(int outcome, string? streamId, long? version, long? position)
    {
        Outcome = outcome;
        switch (outcome)
        {
            case PostgreSqlSchema.Appended:
                Appended = new AppendResult(version!.Value, position!.Value);
                break;
            case PostgreSqlSchema.AlreadyStored:
                (_stored ??= new List<StoredEvent?>(Count)).Add(streamId is null ? null : new StoredEvent(streamId, version!.Value, position!.Value));
                break;
            case PostgreSqlSchema.VersionConflict:
                ActualVersion = version!.Value;
                break;
        }
    }

    /// <summary>Completes the caller from the recorded outcome, after the transaction committed.</summary>
    public void Complete(string schemaName)
    {
        switch (Outcome)
        {
            case PostgreSqlSchema.Appended:
                _completion.TrySetResult(Appended);
                break;
            case PostgreSqlSchema.AlreadyStored:
                CompleteRetry();
                break;
            case PostgreSqlSchema.VersionConflict:
                _completion.TrySetException(new EventStoreConcurrencyException(StreamId, ExpectedVersion, ActualVersion));
                break;
            case PostgreSqlSchema.StreamDeleted:
                _completion.TrySetException(new StreamDeletedException(StreamId));
                break;
            default:
                _completion.TrySetException(new InvalidOperationException($"The append function of schema '{schemaName}' returned no outcome; the schema may have been changed by hand."));
                break;
        }
    }

    /// <summary>Fails the caller: nothing of this append was written, or whether it was is unknown (a retry with
    /// the same event ids is safe either way).</summary>
    public void Fail(Exception exception) => _completion.TrySetException(exception);

    /// <summary>Fails the caller because an id of its batch (not the first) is stored by another batch.</summary>
    public void FailAlreadyStored(string eventId, StoredEvent stored) => Fail(AlreadyStoredElsewhere(eventId, stored));

    private static ArgumentException AlreadyStoredElsewhere(string eventId, StoredEvent stored) =>
        new($"Event id '{eventId}' is already stored in stream '{stored.StreamId}' at version {stored.Version}, in another batch; use new ids for new events.", "events");

    private static byte[] ToArray(ReadOnlyMemory<byte> memory) =>
        MemoryMarshal.TryGetArray(memory, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : memory.ToArray();

    private void CompleteRetry()
    {
        // An idempotent retry must match what was stored: same stream, same ids, consecutive versions.
        var stored = _stored!;
        var first = stored[0]!;
        for (var i = 0; i < Count; i++)
        {
            var location = i < stored.Count ? stored[i] : null;
            if (location is null
                || !string.Equals(location.StreamId, StreamId, StringComparison.Ordinal)
                || location.Version != first.Version + i)
            {
                _completion.TrySetException(location is null
                    ? new ArgumentException($"Event id '{EventIds[0]}' is already stored in stream '{first.StreamId}', but '{EventIds[i]}' of the same batch is not; a retry must repeat the original batch.", "events")
                    : AlreadyStoredElsewhere(EventIds[i], location));
                return;
            }
        }

        _completion.TrySetResult(new AppendResult(stored[^1]!.Version, stored[^1]!.Position));
    }

    private void TryCancel(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, Cancelled, Queued) == Queued)
        {
            _completion.TrySetCanceled(cancellationToken);
        }
    }
}
