using System.Threading.Channels;
using EventBus.Diagnostics;
using EventBus.EventStore.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EventBus.EventStore.Outbox;

/// <summary>
/// Publishes stored events on the bus in global order and moves the <c>$outbox</c> checkpoint only past events that
/// every subscription has finished with (handled, dropped as a duplicate or dead-lettered), never past one that is
/// merely queued. A crash at any instant therefore means: after the restart, every appended event reaches every
/// subscription at least once, in per-stream order.
/// </summary>
/// <remarks>
/// Publishing and acknowledging are pipelined: the reader publishes ahead (bounded by
/// <see cref="EventStoreConstants.OutboxWindow"/> unfinished events, and by the subscriptions' own backpressure), and an
/// acknowledger takes the outcomes in position order and saves the checkpoint every
/// <see cref="EventStoreOptions.OutboxBatchSize"/> events and whenever it catches up. An event the outbox cannot read
/// is dead-lettered under <c>$outbox</c> and counts as finished. If the bus stops before an event is finished, the
/// checkpoint stays before it and the event is published again after the next start.
/// </remarks>
internal sealed class OutboxPublisher(
    IEventStore store,
    UnreadableEvents reader,
    ICheckpointStore checkpoints,
    IAcknowledgingPublisher bus,
    IOptions<EventStoreOptions> options,
    TimeProvider timeProvider,
    ILogger<OutboxPublisher> logger)
{
    private static readonly Task<IReadOnlyList<DeliveryAcknowledgement>> Finished = Task.FromResult<IReadOnlyList<DeliveryAcknowledgement>>([]);

    private readonly int _batchSize = Math.Max(1, options.Value.OutboxBatchSize);

    public static string CheckpointName => EventStoreConstants.OutboxCheckpointName;

    /// <summary>Publishes and acknowledges until <paramref name="stoppingToken"/> fires or the bus closes; what was
    /// acknowledged by then is checkpointed before this returns.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        var acknowledged = await LoadCheckpointAsync(stoppingToken).ConfigureAwait(false);
        if (acknowledged is null)
        {
            return;
        }

        using var window = new SemaphoreSlim(EventStoreConstants.OutboxWindow);
        var pending = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var acknowledging = AcknowledgeAsync(pending.Reader, window, acknowledged.Value);
        try
        {
            await PublishAsync(pending.Writer, window, acknowledged.Value, stoppingToken).ConfigureAwait(false);
        }
        finally
        {
            pending.Writer.TryComplete();
            await acknowledging.ConfigureAwait(false);
        }
    }

    private async ValueTask<long?> LoadCheckpointAsync(CancellationToken stoppingToken)
    {
        while (true)
        {
            try
            {
                return await checkpoints.LoadAsync(CheckpointName, stoppingToken).ConfigureAwait(false) ?? 0;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                if (!await DelayAfterFailureAsync(0, ex, stoppingToken).ConfigureAwait(false))
                {
                    return null;
                }
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }
    }

    /// <summary>Reads the log after <paramref name="position"/> and publishes each event, waiting for new ones.</summary>
    private async Task PublishAsync(ChannelWriter<Pending> pending, SemaphoreSlim window, long position, CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    var head = await store.GetHeadPositionAsync(stoppingToken).ConfigureAwait(false);
                    if (head > position)
                    {
                        await foreach (var record in store.ReadAllAsync(position + 1, head - position, stoppingToken).ConfigureAwait(false))
                        {
                            if (record.Position > head)
                            {
                                break;
                            }

                            await window.WaitAsync(stoppingToken).ConfigureAwait(false);
                            var outcomes = await PublishOneAsync(record, stoppingToken).ConfigureAwait(false);
                            pending.TryWrite(new Pending(record.Position, outcomes));
                            position = record.Position;
                        }

                        // Positions pruned at the tail are stepped over too.
                        if (position < head)
                        {
                            pending.TryWrite(new Pending(head, Finished));
                            position = head;
                        }
                    }

                    await store.WaitForEventsAsync(position, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException and not EventBusClosedException)
                {
                    // Reading failed: try again from what was published, after a pause.
                    if (!await DelayAfterFailureAsync(position, ex, stoppingToken).ConfigureAwait(false))
                    {
                        return;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (EventBusClosedException)
        {
            Log.OutboxStoppedBusClosed(logger, position);
        }
    }

    /// <summary>Publishes one stored event; retries a publish the bus rejected (a full subscription with the Fail
    /// policy) until it is accepted or the outbox stops.</summary>
    private async ValueTask<Task<IReadOnlyList<DeliveryAcknowledgement>>> PublishOneAsync(EventRecord record, CancellationToken stoppingToken)
    {
        if (await reader.TryReadAsync(record, CheckpointName).ConfigureAwait(false) is not { } stored)
        {
            return Finished;
        }

        while (true)
        {
            try
            {
                var receipt = await bus.PublishAsync(stored.Event, stoppingToken).ConfigureAwait(false);
                return receipt.Outcomes;
            }
            catch (SubscriptionOverflowException ex)
            {
                if (!await DelayAfterFailureAsync(record.Position - 1, ex, stoppingToken).ConfigureAwait(false))
                {
                    throw new OperationCanceledException(stoppingToken);
                }
            }
        }
    }

    /// <summary>Takes outcomes in position order and checkpoints the last position whose event, and every one before
    /// it, is finished.</summary>
    private async Task AcknowledgeAsync(ChannelReader<Pending> pending, SemaphoreSlim window, long acknowledged)
    {
        var saved = acknowledged;
        var interrupted = false;
        while (await pending.WaitToReadAsync().ConfigureAwait(false))
        {
            while (pending.TryRead(out var next))
            {
                if (!next.Outcomes.IsCompleted && acknowledged > saved)
                {
                    // About to wait for a slow event: record what is finished before it first.
                    saved = await SaveAsync(acknowledged, saved).ConfigureAwait(false);
                }

                var outcomes = await next.Outcomes.ConfigureAwait(false);
                window.Release();
                if (interrupted)
                {
                    continue;
                }

                if (!outcomes.All(o => o.IsFinal))
                {
                    // The bus stopped before this event was finished: the checkpoint stays before it, for good in this run.
                    interrupted = true;
                    continue;
                }

                acknowledged = next.Position;
                if (acknowledged - saved >= _batchSize)
                {
                    saved = await SaveAsync(acknowledged, saved).ConfigureAwait(false);
                }
            }

            if (acknowledged > saved)
            {
                saved = await SaveAsync(acknowledged, saved).ConfigureAwait(false);
            }
        }
    }

    private async ValueTask<long> SaveAsync(long position, long saved)
    {
        try
        {
            // Not cancellable: what is finished should be recorded even while stopping.
            await checkpoints.SaveAsync(CheckpointName, position, CancellationToken.None).ConfigureAwait(false);
            Log.OutboxPublished(logger, position);
            return position;
        }
        catch (Exception ex)
        {
            // The next save carries it; until then a restart publishes a little more again.
            Log.OutboxPublishFailed(logger, position, TimeSpan.Zero, ex);
            return saved;
        }
    }

    private async ValueTask<bool> DelayAfterFailureAsync(long position, Exception exception, CancellationToken stoppingToken)
    {
        var delay = options.Value.OutboxRetryDelay;
        Log.OutboxPublishFailed(logger, position, delay, exception);
        try
        {
            await Task.Delay(delay, timeProvider, stoppingToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>A published event whose outcomes are awaited.</summary>
    private readonly record struct Pending(long Position, Task<IReadOnlyList<DeliveryAcknowledgement>> Outcomes);
}
