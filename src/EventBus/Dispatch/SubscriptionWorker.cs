using System.Diagnostics;
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

    // Nothing to check or apply around the handler but shutdown and tracing: the synchronous fast path may be taken.
    private readonly bool _plain;
    private readonly bool _sequential;
    private int _inFlight;

    public SubscriptionWorker(Subscription subscription, PriorityLanes lanes, DispatchContext context)
    {
        _subscription = subscription;
        _lanes = lanes;
        _context = context;
        _sequential = subscription.MaxConcurrency == 1;
        _plain = subscription.TimeToLive is null && subscription.Idempotency is null && subscription.Resilience is null;
    }

    public Task Completion { get; private set; } = Task.CompletedTask;

    /// <summary>Gets the number of events being handled right now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    public void Start() =>
        Completion = _sequential
            ? Task.Run(RunSequentialAsync)
            : Task.Run(RunPartitionedAsync);

    private async Task RunSequentialAsync()
    {
        var slot = NewSlot();
        while (await _lanes.WaitToReadAsync().ConfigureAwait(false))
        {
            while (_lanes.TryRead(out var @event))
            {
                await DeliverAsync(@event, slot).ConfigureAwait(false);
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

    private async Task RunSlotAsync(ChannelReader<Event> events)
    {
        var slot = NewSlot();
        await foreach (var @event in events.ReadAllAsync().ConfigureAwait(false))
        {
            await DeliverAsync(@event, slot).ConfigureAwait(false);
        }
    }

    /// <summary>The per-slot state, made once when the slot starts: no allocation per event.</summary>
    private Slot NewSlot() => new(EventContext.Install(), _subscription.Resilience?.CreateDelivery(_subscription.Handler, _context.Abort));

    /// <summary>Delivers one event; completes synchronously when the handler did and nothing went wrong.</summary>
    private ValueTask DeliverAsync(Event @event, Slot slot)
    {
        var abort = _context.Abort;
        if (!_plain || abort.IsCancellationRequested || (_context.TracingEnabled && EventBusTracing.Source.HasListeners()))
        {
            return DeliverGuardedAsync(@event, slot);
        }

        // No expiry, duplicate check, policy or trace: call the handler and, when it finished synchronously and
        // succeeded, finish here without an asynchronous state machine (the hot path of a plain subscription).
        BeginInFlight();
        slot.Context.Event = @event;
        var handled = HandleDirectlyAsync(@event, abort);
        if (handled.IsCompletedSuccessfully && handled.Result.Outcome == DeliveryOutcome.Handled)
        {
            OnHandled(@event);
            slot.Context.Event = null;
            EndInFlight();
            return default;
        }

        return FinishAsync(@event, slot, handled, activity: null);
    }

    /// <summary>The full path: shutdown, expiry and duplicate checks, the policy, and tracing.</summary>
    private async ValueTask DeliverGuardedAsync(Event @event, Slot slot)
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

        BeginInFlight();
        slot.Context.Event = @event;
        var activity = _context.TracingEnabled ? EventBusTracing.StartHandle(@event, _subscription.Name) : null;
        var handled = slot.Delivery is { } delivery
            ? _subscription.Resilience!.ExecuteAsync(delivery, @event, _lanes, abort)
            : HandleDirectlyAsync(@event, abort);
        await FinishAsync(@event, slot, handled, activity).ConfigureAwait(false);
    }

    /// <summary>Awaits the outcome, records it, and dead-letters what was not handled; ends the in-flight count.</summary>
    private async ValueTask FinishAsync(Event @event, Slot slot, ValueTask<DeliveryResult> handled, Activity? activity)
    {
        try
        {
            var result = await handled.ConfigureAwait(false);
            EventBusTracing.SetOutcome(activity, result.Attempts, OutcomeName(result.Outcome), result.Outcome is DeliveryOutcome.Handled ? null : result.Exception);
            switch (result.Outcome)
            {
                case DeliveryOutcome.Handled:
                    OnHandled(@event);
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
            slot.Context.Event = null;
            EndInFlight();
        }
    }

    // One slot: only its thread writes the count, so a plain store published by a volatile write replaces an atomic
    // read-modify-write per event; several slots share it and need the atomic form.
    private void BeginInFlight()
    {
        if (_sequential)
        {
            Volatile.Write(ref _inFlight, 1);
        }
        else
        {
            Interlocked.Increment(ref _inFlight);
        }
    }

    private void EndInFlight()
    {
        if (_sequential)
        {
            Volatile.Write(ref _inFlight, 0);
        }
        else
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private void OnHandled(Event @event)
    {
        _context.Metrics.Delivered(@event.Type, _subscription.Name);
        _context.Redrives.TryTake(@event)?.Complete(handled: true);
    }

    private static string OutcomeName(DeliveryOutcome outcome) => outcome switch
    {
        DeliveryOutcome.Handled => "handled",
        DeliveryOutcome.HandledByFallback => "fallback",
        DeliveryOutcome.Cancelled => "not_drained",
        DeliveryOutcome.Unreadable => "deserialization_failed",
        _ => "dead_lettered",
    };

    /// <summary>The path of a subscription without a policy: one attempt, no pipeline; synchronous when the handler is.</summary>
    private ValueTask<DeliveryResult> HandleDirectlyAsync(Event @event, CancellationToken abort)
    {
        var metrics = _context.Metrics;
        var started = metrics.RecordsHandlerDuration ? _context.TimeProvider.GetTimestamp() : 0;
        ValueTask pending;
        try
        {
            pending = _subscription.Handler(@event, abort);
        }
        catch (Exception ex)
        {
            return new ValueTask<DeliveryResult>(Failed(@event, ex, abort, started));
        }

        if (pending.IsCompletedSuccessfully)
        {
            pending.GetAwaiter().GetResult();
            Succeeded(@event, started);
            return new ValueTask<DeliveryResult>(DeliveryResult.Handled(1));
        }

        return AwaitHandlerAsync(@event, pending, abort, started);
    }

    private async ValueTask<DeliveryResult> AwaitHandlerAsync(Event @event, ValueTask pending, CancellationToken abort, long started)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            return Failed(@event, ex, abort, started);
        }

        Succeeded(@event, started);
        return DeliveryResult.Handled(1);
    }

    private void Succeeded(Event @event, long started)
    {
        if (started != 0)
        {
            _context.Metrics.HandlerDuration(@event.Type, _subscription.Name, _context.TimeProvider.GetElapsedTime(started), success: true);
        }
    }

    private DeliveryResult Failed(Event @event, Exception exception, CancellationToken abort, long started)
    {
        switch (exception)
        {
            case OperationCanceledException when abort.IsCancellationRequested:
                return new DeliveryResult(DeliveryOutcome.Cancelled, 1, exception);
            case EventPayloadMismatchException:
                return new DeliveryResult(DeliveryOutcome.Unreadable, 1, exception);
            default:
                if (started != 0)
                {
                    _context.Metrics.HandlerDuration(@event.Type, _subscription.Name, _context.TimeProvider.GetElapsedTime(started), success: false);
                }

                _context.Metrics.Failed(@event.Type, _subscription.Name, exception);
                return new DeliveryResult(DeliveryOutcome.Failed, 1, exception);
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

    /// <summary>What one delivering slot keeps across events: its ambient-event holder and its policy trip state.</summary>
    private sealed record Slot(EventContext.Holder Context, SubscriptionResilience.Delivery? Delivery);
}
