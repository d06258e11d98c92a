using System.Runtime.CompilerServices;

namespace EventBus;

/// <summary>Catch-up subscriptions over any <see cref="IEventStore"/>.</summary>
public static class EventStoreExtensions
{
    /// <summary>Reads the global log after a checkpoint, then keeps waiting for and returning new events: history and
    /// live events come from the same ordered log, so there is no gap and no duplicate at the switch.</summary>
    /// <param name="store">The store.</param>
    /// <param name="afterPosition">The checkpoint: the last position already processed (0 for the beginning).</param>
    /// <param name="filter">Only events whose type matches are returned; <see langword="null"/> for all.</param>
    /// <param name="cancellationToken">Ends the subscription; the enumeration then throws
    /// <see cref="OperationCanceledException"/>.</param>
    /// <returns>An endless sequence of events in position order.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="afterPosition"/> is negative.</exception>
    public static IAsyncEnumerable<EventRecord> SubscribeToAllAsync(this IEventStore store, long afterPosition = 0, TopicPattern? filter = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentOutOfRangeException.ThrowIfNegative(afterPosition);
        return SubscribeCoreAsync(store, afterPosition, filter, cancellationToken);
    }

    private static async IAsyncEnumerable<EventRecord> SubscribeCoreAsync(IEventStore store, long position, TopicPattern? filter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (true)
        {
            // Read up to a head taken before reading: everything at or below it is committed, and moving the
            // checkpoint to it (not just to the last event seen) steps over pruned positions.
            var head = await store.GetHeadPositionAsync(cancellationToken).ConfigureAwait(false);
            if (head > position)
            {
                await foreach (var record in store.ReadAllAsync(position + 1, head - position, cancellationToken).ConfigureAwait(false))
                {
                    if (record.Position > head)
                    {
                        break;
                    }

                    if (filter is null || filter.IsMatch(record.EventType))
                    {
                        yield return record;
                    }
                }

                position = head;
            }

            await store.WaitForEventsAsync(position, cancellationToken).ConfigureAwait(false);
        }
    }
}
