using System.Threading.Channels;
using EventBus.Diagnostics;
using EventBus.Resilience;
using EventBus.Subscriptions;

namespace EventBus.Dispatch;

/// <summary>Takes events from a subscription's lanes and runs its handler, one event at a time per slot.</summary>
/// <remarks>
/// With <c>MaxConcurrency</c> 1 the worker reads and handles in one loop. With more, a dispatcher loop routes each
/// event to a slot chosen by its ordering key, and every slot handles its events in order, so one key never runs
/// twice at once while different keys run in parallel. Each delivery passes the expiry check, the duplicate check and the
/// subscription's failure policy; failures never leave the loop: they become fallbacks or dead letters.
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
            await DeadLetterAsync(@event, DeadLetterReason.NotDrained, null, 0, forget: false).ConfigureAwait(false);
            return;
        }

        if (_subscription.TimeToLive is { } ttl
            && _context.TimeProvider.GetUtcNow() - @event.Time > ttl
            && !_context.Redrives.IsRedriven(@event))
        {
            Log.EventExpired(_context.Logger, @event.Id, @event.Type, _subscription.Name, @event.Time, ttl);
            await DeadLetterAsync(@event, DeadLetterReason.Expired, null, 0, forget: false).ConfigureAwait(false);
            return;
        }

        var guard = _subscription.Idempotency;
        if (guard is not null && !await guard.TryBeginAsync(@event, abort).ConfigureAwait(false))
        {
            _context.Metrics.Dropped(@event.Type, _subscription.Name, "duplicate");
            Log.DuplicateDropped(_context.Logger, @event.Id, @event.Type, _subscription.Name);
            _context.Redrives.TryTake(@event)?.Complete(handled: true);
            return;
        }

        Interlocked.Increment(ref _inFlight);
        current.Event = @event;
        var activity = _context.TracingEnabled ? EventBusTracing.StartHandle(@event, _subscription.Name) : null;
        try
        {
            var result = _subscription.Resilience is { } resilience
                ? await resilience.ExecuteAsync(@event, _subscription.Handler, _lanes, abort).ConfigureAwait(false)
                : await HandleDirectlyAsync(@event, abort).ConfigureAwait(false);
            EventBusTracing.SetOutcome(activity, result.Attempts, OutcomeName(result.Outcome), result.Outcome is DeliveryOutcome.Handled ? null : result.Exception);
            switch (result.Outcome)
            {
                case DeliveryOutcome.Handled:
                    _context.Metrics.Delivered(@event.Type, _subscription.Name);
                    _context.Redrives.TryTake(@event)?.Complete(handled: true);
                    break;
                case DeliveryOutcome.HandledByFallback:
                    _context.Redrives.TryTake(@event)?.Complete(handled: true);
                    break;
                case DeliveryOutcome.Cancelled:
                    await DeadLetterAsync(@event, DeadLetterReason.NotDrained, result.Exception, result.Attempts, forget: true).ConfigureAwait(false);
                    break;
                case DeliveryOutcome.Unreadable:
                    await DeadLetterAsync(@event, DeadLetterReason.DeserializationFailed, result.Exception, result.Attempts, forget: true).ConfigureAwait(false);
                    break;
                default:
                    await DeadLetterAsync(@event, DeadLetterReason.HandlerFailed, result.Exception, result.Attempts, forget: true).ConfigureAwait(false);
                    break;
            }
        }
        finally
        {
            activity?.Dispose();
            current.Event = null;
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private static string OutcomeName(DeliveryOutcome outcome) => outcome switch
    {
        DeliveryOutcome.Handled => "handled",
        DeliveryOutcome.HandledByFallback => "fallback",
        DeliveryOutcome.Cancelled => "not_drained",
        DeliveryOutcome.Unreadable => "deserialization_failed",
        _ => "dead_lettered",
    };

    /// <summary>The path of a subscription without a policy: one attempt, no pipeline.</summary>
    private async ValueTask<DeliveryResult> HandleDirectlyAsync(Event @event, CancellationToken abort)
    {
        var started = _context.TimeProvider.GetTimestamp();
        try
        {
            await _subscription.Handler(@event, abort).ConfigureAwait(false);
            _context.Metrics.HandlerDuration(@event.Type, _subscription.Name, _context.TimeProvider.GetElapsedTime(started), success: true);
            return DeliveryResult.Handled(1);
        }
        catch (OperationCanceledException ex) when (abort.IsCancellationRequested)
        {
            return new DeliveryResult(DeliveryOutcome.Cancelled, 1, ex);
        }
        catch (EventPayloadMismatchException ex)
        {
            return new DeliveryResult(DeliveryOutcome.Unreadable, 1, ex);
        }
        catch (Exception ex)
        {
            _context.Metrics.HandlerDuration(@event.Type, _subscription.Name, _context.TimeProvider.GetElapsedTime(started), success: false);
            _context.Metrics.Failed(@event.Type, _subscription.Name, ex);
            return new DeliveryResult(DeliveryOutcome.Failed, 1, ex);
        }
    }

    private async ValueTask DeadLetterAsync(Event @event, DeadLetterReason reason, Exception? exception, int attempts, bool forget)
    {
        if (forget && _subscription.Idempotency is { } guard)
        {
            // Not handled: a redelivery or a redrive of this event must be handled, not dropped as a duplicate.
            await guard.ForgetAsync(@event).ConfigureAwait(false);
        }

        await _context.DeadLetters.AddAsync(@event, _subscription.Name, reason, exception, attempts).ConfigureAwait(false);
    }
}
