using System.Runtime.CompilerServices;

namespace EventBus.EventStore;

/// <summary>The embedded event store: streams and the global log in memory, positions assigned under one lock so
/// the global order is the commit order.</summary>
internal sealed class InMemoryEventStore(TimeProvider timeProvider) : IEventStore
{
    private readonly Lock _lock = new();

    // Index = position - 1; pruned (truncated) events are nulled so their memory is released.
    private readonly List<EventRecord?> _log = [];
    private readonly Dictionary<string, StreamEntry> _streams = new(StringComparer.Ordinal);
    private readonly Dictionary<string, EventLocation> _eventIds = new(StringComparer.Ordinal);
    private TaskCompletionSource _appended = NewSignal();

    public ValueTask<AppendResult> AppendAsync(string streamId, ExpectedVersion expectedVersion, IReadOnlyList<EventData> events, CancellationToken cancellationToken = default)
    {
        EventStoreArguments.ValidateAppend(streamId, events);
        cancellationToken.ThrowIfCancellationRequested();

        TaskCompletionSource signal;
        AppendResult result;
        lock (_lock)
        {
            if (_eventIds.TryGetValue(events[0].EventId, out var first))
            {
                return ValueTask.FromResult(Replay(streamId, events, first));
            }

            for (var i = 1; i < events.Count; i++)
            {
                if (_eventIds.TryGetValue(events[i].EventId, out var stored))
                {
                    throw AlreadyStored(events[i].EventId, stored);
                }
            }

            _streams.TryGetValue(streamId, out var stream);
            if (stream is { IsDeleted: true })
            {
                throw new StreamDeletedException(streamId);
            }

            var current = stream?.Positions.Count ?? 0L;
            if (!expectedVersion.IsSatisfiedBy(current))
            {
                throw new EventStoreConcurrencyException(streamId, expectedVersion, current);
            }

            if (stream is null)
            {
                stream = new StreamEntry();
                _streams.Add(streamId, stream);
            }

            var recorded = timeProvider.GetUtcNow();
            long version = current, position = _log.Count;
            foreach (var data in events)
            {
                version++;
                position++;
                _log.Add(new EventRecord(streamId, version, position, data.EventId, data.EventType, data.DataVersion, data.Data, data.Metadata, recorded));
                stream.Positions.Add(position);
                _eventIds.Add(data.EventId, new EventLocation(streamId, version, position));
            }

            result = new AppendResult(version, position);
            signal = _appended;
            _appended = NewSignal();
        }

        signal.TrySetResult();
        return ValueTask.FromResult(result);
    }

    public IAsyncEnumerable<EventRecord> ReadStreamAsync(string streamId, ReadDirection direction = ReadDirection.Forwards, long? fromVersion = null, long maxCount = long.MaxValue, CancellationToken cancellationToken = default)
    {
        EventStoreArguments.ValidateReadStream(streamId, direction, fromVersion, maxCount);
        return ReadStreamCoreAsync(streamId, direction, fromVersion, maxCount, cancellationToken);
    }

    public IAsyncEnumerable<EventRecord> ReadAllAsync(long fromPosition = 0, long maxCount = long.MaxValue, CancellationToken cancellationToken = default)
    {
        EventStoreArguments.ValidateReadAll(fromPosition, maxCount);
        return ReadAllCoreAsync(Math.Max(fromPosition, 1), maxCount, cancellationToken);
    }

    public ValueTask<StreamInfo> GetStreamInfoAsync(string streamId, CancellationToken cancellationToken = default)
    {
        StreamId.Validate(streamId, nameof(streamId));
        lock (_lock)
        {
            return ValueTask.FromResult(_streams.TryGetValue(streamId, out var stream)
                ? new StreamInfo(streamId, stream.Positions.Count, stream.FirstVersion, stream.IsDeleted)
                : new StreamInfo(streamId, 0, 1, false));
        }
    }

    public ValueTask DeleteStreamAsync(string streamId, ExpectedVersion expectedVersion, CancellationToken cancellationToken = default)
    {
        StreamId.Validate(streamId, nameof(streamId));
        lock (_lock)
        {
            _streams.TryGetValue(streamId, out var stream);
            if (stream is { IsDeleted: true })
            {
                return default;
            }

            var current = stream?.Positions.Count ?? 0L;
            if (!expectedVersion.IsSatisfiedBy(current))
            {
                throw new EventStoreConcurrencyException(streamId, expectedVersion, current);
            }

            if (stream is null)
            {
                stream = new StreamEntry();
                _streams.Add(streamId, stream);
            }

            stream.IsDeleted = true;
        }

        return default;
    }

    public ValueTask TruncateStreamAsync(string streamId, long beforeVersion, CancellationToken cancellationToken = default)
    {
        StreamId.Validate(streamId, nameof(streamId));
        lock (_lock)
        {
            _streams.TryGetValue(streamId, out var stream);
            if (stream is { IsDeleted: true })
            {
                throw new StreamDeletedException(streamId);
            }

            var current = stream?.Positions.Count ?? 0L;
            if (beforeVersion < 1 || beforeVersion > current + 1)
            {
                throw new ArgumentOutOfRangeException(nameof(beforeVersion), beforeVersion,
                    $"Stream '{streamId}' is at version {current}; truncate before a version from 1 to {current + 1}.");
            }

            if (stream is null || beforeVersion <= stream.FirstVersion)
            {
                return default;
            }

            for (var version = stream.FirstVersion; version < beforeVersion; version++)
            {
                _log[(int)(stream.Positions[(int)(version - 1)] - 1)] = null;
            }

            stream.FirstVersion = beforeVersion;
        }

        return default;
    }

    public ValueTask<long> GetHeadPositionAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return ValueTask.FromResult((long)_log.Count);
        }
    }

    public ValueTask WaitForEventsAsync(long afterPosition, CancellationToken cancellationToken = default)
    {
        Task appended;
        lock (_lock)
        {
            if (_log.Count > afterPosition)
            {
                return default;
            }

            appended = _appended.Task;
        }

        // Any append raises the head above every position seen so far, so one signal is enough.
        return new ValueTask(appended.WaitAsync(cancellationToken));
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static ArgumentException AlreadyStored(string eventId, EventLocation stored) =>
        new($"Event id '{eventId}' is already stored in stream '{stored.StreamId}' at version {stored.Version}, in another batch; use new ids for new events.", "events");

    private AppendResult Replay(string streamId, IReadOnlyList<EventData> events, EventLocation first)
    {
        // An idempotent retry must match what was stored: same stream, same ids, consecutive versions.
        for (var i = 0; i < events.Count; i++)
        {
            if (!_eventIds.TryGetValue(events[i].EventId, out var stored)
                || !string.Equals(stored.StreamId, streamId, StringComparison.Ordinal)
                || stored.Version != first.Version + i)
            {
                throw stored is null
                    ? new ArgumentException($"Event id '{events[0].EventId}' is already stored in stream '{first.StreamId}', but '{events[i].EventId}' of the same batch is not; a retry must repeat the original batch.", nameof(events))
                    : AlreadyStored(events[i].EventId, stored);
            }
        }

        var last = _eventIds[events[^1].EventId];
        return new AppendResult(last.Version, last.Position);
    }

    private async IAsyncEnumerable<EventRecord> ReadStreamCoreAsync(string streamId, ReadDirection direction, long? fromVersion, long maxCount, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var forwards = direction == ReadDirection.Forwards;
        var next = fromVersion ?? (forwards ? 1 : long.MaxValue);
        var remaining = maxCount;
        var page = new List<EventRecord>(EventStoreConstants.ReadPageSize);
        while (remaining > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            page.Clear();
            lock (_lock)
            {
                if (!_streams.TryGetValue(streamId, out var stream) || stream.IsDeleted)
                {
                    yield break;
                }

                var take = (int)Math.Min(remaining, EventStoreConstants.ReadPageSize);
                if (forwards)
                {
                    for (var v = Math.Max(next, stream.FirstVersion); v <= stream.Positions.Count && page.Count < take; v++)
                    {
                        page.Add(_log[(int)(stream.Positions[(int)(v - 1)] - 1)]!);
                    }
                }
                else
                {
                    for (var v = Math.Min(next, stream.Positions.Count); v >= stream.FirstVersion && page.Count < take; v--)
                    {
                        page.Add(_log[(int)(stream.Positions[(int)(v - 1)] - 1)]!);
                    }
                }
            }

            if (page.Count == 0)
            {
                yield break;
            }

            foreach (var record in page)
            {
                yield return record;
            }

            remaining -= page.Count;
            next = forwards ? page[^1].StreamVersion + 1 : page[^1].StreamVersion - 1;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    private async IAsyncEnumerable<EventRecord> ReadAllCoreAsync(long fromPosition, long maxCount, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var next = fromPosition;
        var remaining = maxCount;
        var page = new List<EventRecord>(EventStoreConstants.ReadPageSize);
        while (remaining > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            page.Clear();
            lock (_lock)
            {
                var take = (int)Math.Min(remaining, EventStoreConstants.ReadPageSize);
                for (; next <= _log.Count && page.Count < take; next++)
                {
                    if (_log[(int)(next - 1)] is { } record)
                    {
                        page.Add(record);
                    }
                }
            }

            if (page.Count == 0)
            {
                yield break;
            }

            foreach (var record in page)
            {
                yield return record;
            }

            remaining -= page.Count;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    private sealed class StreamEntry
    {
        public List<long> Positions { get; } = [];

        public long FirstVersion { get; set; } = 1;

        public bool IsDeleted { get; set; }
    }

    private sealed record EventLocation(string StreamId, long Version, long Position);
}
