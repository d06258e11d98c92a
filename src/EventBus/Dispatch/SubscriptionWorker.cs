using System.Threading.Channels;
using EventBus.Subscriptions;

namespace EventBus.Dispatch;

/// <summary>Takes events from a subscription's lanes and runs its handler, one event at a time per slot.</summary>
/// <remarks>
/// With <c>MaxConcurrency</c> 1 the worker reads and handles in one loop. With more, a dispatcher loop routes each
/// event to a slot chosen by its ordering key, and every slot handles its events in order, so one key never runs
/// twice at once while different keys run in parallel. Handler failures never leave the loop: they become dead letters.
/// </remarks>
internal sealed class SubscriptionWorker
{
    private readonly Subscription _subscription;
    private readonly PriorityLanes _lanes;
    private readonly DispatchContext _context;
    private int _inFlight;

    public SubscriptionWorker(Subscription subscription, PriorityLanes lanes, DispatchContext context)
    {
        _subscription = subscription;
        _lanes = lanes;
        _context = context;
    }

    public Task Completion { get; private set; } = Task.CompletedTask;

    /// <summary>Gets the number of events being handled right now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    public void Start() =>
        Completion = _subscription.MaxConcurrency == 1
            ? Task.Run(RunSequentialAsync)
            : Task.Run(RunPartitionedAsync);

    private async Task RunSequentialAsync()
    {
        var current = EventContext.Install();
        while (await _lanes.WaitToReadAsync().ConfigureAwait(false))
        {
            while (_lanes.TryRead(out var @event))
            {
                await DeliverAsync(@event, current).ConfigureAwait(false);
            }
        }
    }

    private async Task RunPartitionedAsync()
    {
        var slotCount = _subscription.MaxConcurrency;
        var slots = new Channel<Event>[slotCount];
        var slotTasks = new Task[slotCount];
        for (var i = 0; i < slotCount; i++)
        {
            var slot = Channel.CreateBounded<Event>(new BoundedChannelOptions(DispatchConstants.SlotBuffer)
            {
                SingleReader = true,
                SingleWriter = true,
                FullMode = BoundedChannelFullMode.Wait,
            });
            slots[i] = slot;
            slotTasks[i] = Task.Run(() => RunSlotAsync(slot.Reader));
        }

        var unkeyed = 0;
        try
        {
            while (await _lanes.WaitToReadAsync().ConfigureAwait(false))
            {
                while (_lanes.TryRead(out var @event))
                {
                    var key = _subscription.OrderingKey(@event);
                    var index = key is null
                        ? unkeyed++ % slotCount
                        : (int)((uint)StringComparer.Ordinal.GetHashCode(key) % (uint)slotCount);
                    await slots[index].Writer.WriteAsync(@event).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            foreach (var slot in slots)
            {
                slot.Writer.TryComplete();
            }

            await Task.WhenAll(slotTasks).ConfigureAwait(false);
        }
    }

    private async Task RunSlotAsync(ChannelReader<Event> slot)
    {
        var current = EventContext.Install();
        await foreach (var @event in slot.ReadAllAsync().ConfigureAwait(false))
        {
            await DeliverAsync(@event, current).ConfigureAwait(false);
        }
    }

    private async ValueTask DeliverAsync(Event @event, EventContext.Holder current)
    {
        var abort = _context.Abort;
        if (abort.IsCancellationRequested)
        {
            await _context.DeadLetters.AddAsync(@event, _subscription.Name, DeadLetterReason.NotDrained, null, 0).ConfigureAwait(false);
            return;
        }

        Interlocked.Increment(ref _inFlight);
        current.Event = @event;
        try
        {
            await _subscription.Handler(@event, abort).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (abort.IsCancellationRequested)
        {
            await _context.DeadLetters.AddAsync(@event, _subscription.Name, DeadLetterReason.NotDrained, ex, 1).ConfigureAwait(false);
        }
        catch (EventPayloadMismatchException ex)
        {
            await _context.DeadLetters.AddAsync(@event, _subscription.Name, DeadLetterReason.DeserializationFailed, ex, 1).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await _context.DeadLetters.AddAsync(@event, _subscription.Name, DeadLetterReason.HandlerFailed, ex, 1).ConfigureAwait(false);
        }
        finally
        {
            current.Event = null;
            Interlocked.Decrement(ref _inFlight);
        }
    }
}
