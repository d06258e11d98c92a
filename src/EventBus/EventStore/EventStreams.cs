using System.Runtime.CompilerServices;
using EventBus.EventStore.Projections;
using EventBus.EventStore.Serialization;

namespace EventBus.EventStore;

internal sealed class EventStreams(IEventStore store, EventSerializer serializer, UnreadableEvents unreadable, ProjectionManager projections) : IEventStreams
{
    public async ValueTask<AppendResult> AppendAsync(string streamId, ExpectedVersion expectedVersion, IEnumerable<object> events, CancellationToken cancellationToken = default)
    {
        StreamId.Validate(streamId, nameof(streamId));
        ArgumentNullException.ThrowIfNull(events);
        var batch = new List<EventData>();
        foreach (var item in events)
        {
            ArgumentNullException.ThrowIfNull(item, nameof(events));
            batch.Add(serializer.Serialize(item, streamId));
        }

        var result = await store.AppendAsync(streamId, expectedVersion, batch, cancellationToken).ConfigureAwait(false);
        if (projections.Inline.Length > 0)
        {
            await projections.RunInlineAsync(streamId, result, cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    public IAsyncEnumerable<StoredEvent> ReadStreamAsync(string streamId, ReadDirection direction = ReadDirection.Forwards, long? fromVersion = null, long maxCount = long.MaxValue, CancellationToken cancellationToken = default) =>
        DeserializeAsync(store.ReadStreamAsync(streamId, direction, fromVersion, maxCount, cancellationToken), cancellationToken);

    public IAsyncEnumerable<StoredEvent> ReadAllAsync(long fromPosition = 0, long maxCount = long.MaxValue, CancellationToken cancellationToken = default) =>
        DeserializeAsync(store.ReadAllAsync(fromPosition, maxCount, cancellationToken), cancellationToken);

    public IAsyncEnumerable<StoredEvent> SubscribeToAllAsync(long afterPosition = 0, TopicPattern? filter = null, CancellationToken cancellationToken = default) =>
        CatchUpAsync(store.SubscribeToAllAsync(afterPosition, filter, cancellationToken), cancellationToken);

    /// <summary>A catch-up subscription never ends on an event it cannot read: it is dead-lettered and skipped.</summary>
    private async IAsyncEnumerable<StoredEvent> CatchUpAsync(IAsyncEnumerable<EventRecord> records, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var record in records.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (await unreadable.TryReadAsync(record, EventStoreConstants.CatchUpReaderName).ConfigureAwait(false) is { } stored)
            {
                yield return stored;
            }
        }
    }

    private async IAsyncEnumerable<StoredEvent> DeserializeAsync(IAsyncEnumerable<EventRecord> records, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var record in records.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (serializer.Deserialize(record) is { } stored)
            {
                yield return stored;
            }
        }
    }
}
