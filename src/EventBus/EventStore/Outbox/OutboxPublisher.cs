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
/// checkpoint stays before it and the event is published again after the next start. With several app instances on
/// one store the outbox runs under the <c>$outbox</c> processor lease, on one instance at a time; the bus
/// subscriptions it feeds (durable subscriptions) are thereby served by that instance only.
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

    private ILogger Logger => logger;

    /// <summary>Publishes and acknowledges, while <paramref name="lease"/> is held, until
    /// <paramref name="stoppingToken"/> fires or the bus closes; what was acknowledged by then is checkpointed through
    /// the lease before this returns.</summary>
    /// <exception cref="ProcessorLeaseLostException">A checkpoint save found the lease taken over: publishing stopped
    /// and nothing more was recorded.</exception>
    public async Task RunAsync(IProcessorLease lease, CancellationToken stoppingToken)
    {
        var acknowledged = await LoadCheckpointAsync(stoppingToken).ConfigureAwait(false);
        if (acknowledged is null)
        {
            return;
        }

        using var running = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        using var window = new SemaphoreSlim(EventStoreConstants.OutboxWindow);
        var pending = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var acknowledger = new Acknowledger(this, lease, running);
        var acknowledging = acknowledger.RunAsync(pending.Reader, window, acknowledged.Value);
        try
        {
            await PublishAsync(pending.Writer, window, acknowledged.Value, running.Token).ConfigureAwait(false);
        }
        finally
        {
            pending.Writer.TryComplete();
            await acknowledging.ConfigureAwait(false);
        }

        if (acknowledger.Lost is { } lost)
        {
            throw lost;
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

    /// <summary>Takes outcomes in position order and checkpoints, through the lease, the last position whose event,
    /// and every one before it, is finished. When a save finds the lease taken over it stops publishing and records
    /// nothing more.</summary>
    private sealed class Acknowledger(OutboxPublisher outbox, IProcessorLease lease, CancellationTokenSource running)
    {
        public ProcessorLeaseLostException? Lost { get; private set; }

        public async Task RunAsync(ChannelReader<Pending> pending, SemaphoreSlim window, long acknowledged)
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
                    if (interrupted || Lost is not null)
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
                    if (acknowledged - saved >= outbox._batchSize)
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
            if (Lost is not null)
            {
                return saved;
            }

            try
            {
                // Not cancellable: what is finished should be recorded even while stopping.
                await lease.SaveCheckpointAsync(position, CancellationToken.None).ConfigureAwait(false);
                Log.OutboxPublished(outbox.Logger, position);
                return position;
            }
            catch (ProcessorLeaseLostException ex)
            {
                // Another instance publishes from the checkpoint it finds: stop reading here at once.
                Lost = ex;
                await running.CancelAsync().ConfigureAwait(false);
                return saved;
            }
            catch (Exception ex)
            {
                // The next save carries it; until then a restart publishes a little more again.
                Log.OutboxPublishFailed(outbox.Logger, position, TimeSpan.Zero, ex);
                return saved;
            }
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
