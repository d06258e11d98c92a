using EventBus.Diagnostics;
using EventBus.EventStore.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EventBus.EventStore.Outbox;

/// <summary>Publishes stored events on the bus in global order, tracking what was published with a checkpoint:
/// an event appended but not yet published when the process stopped is published after the next start.</summary>
/// <remarks>The checkpoint is saved after the events are published, so delivery is at least once: after a crash
/// up to <see cref="EventStoreOptions.OutboxBatchSize"/> events are published again, with their original ids.</remarks>
internal sealed class OutboxPublisher(
    IEventStore store,
    EventSerializer serializer,
    ICheckpointStore checkpoints,
    IEventBus bus,
    IOptions<EventStoreOptions> options,
    ILogger<OutboxPublisher> logger)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly int _batchSize = Math.Max(1, options.Value.OutboxBatchSize);

    public static string CheckpointName => EventStoreConstants.OutboxCheckpointName;

    /// <summary>Publishes every event committed after the checkpoint; returns the position published up to.</summary>
    public async ValueTask<long> PublishPendingAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var position = await checkpoints.LoadAsync(CheckpointName, cancellationToken).ConfigureAwait(false) ?? 0;
            var saved = position;
            var head = await store.GetHeadPositionAsync(cancellationToken).ConfigureAwait(false);
            if (head <= position)
            {
                return position;
            }

            try
            {
                var sinceSave = 0;
                await foreach (var record in store.ReadAllAsync(position + 1, head - position, cancellationToken).ConfigureAwait(false))
                {
                    if (record.Position > head)
                    {
                        break;
                    }

                    if (serializer.Deserialize(record) is { } stored)
                    {
                        await bus.PublishAsync(stored.Event, cancellationToken).ConfigureAwait(false);
                    }

                    position = record.Position;
                    if (++sinceSave >= _batchSize)
                    {
                        await checkpoints.SaveAsync(CheckpointName, position, cancellationToken).ConfigureAwait(false);
                        saved = position;
                        sinceSave = 0;
                    }
                }

                position = head;
                await checkpoints.SaveAsync(CheckpointName, position, cancellationToken).ConfigureAwait(false);
                Log.OutboxPublished(logger, position);
                return position;
            }
            catch (Exception) when (position > saved)
            {
                // Record what did reach the bus, so a retry republishes as little as possible.
                await checkpoints.SaveAsync(CheckpointName, position, CancellationToken.None).ConfigureAwait(false);
                throw;
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}
