using System.Diagnostics;
using EventBus.Diagnostics;
using EventBus.Resilience;
using EventBus.Subscriptions;

namespace EventBus.Dispatch;

/// <summary>Takes events from a subscription's lanes and runs its handler, one event at a time per slot.</summary>
/// <remarks>
/// <para>With <c>MaxConcurrency</c> 1 the worker reads and delivers in one loop. With more, a
/// <see cref="KeyedDispatcher"/> hands events to idle slots by ordering key: one key never runs twice at once, a busy
/// key parks its events behind it, and different keys run in parallel.</para>
/// <para>Each delivery passes the expiry check, the duplicate check and the subscription's failure policy, and ends in
/// exactly one outcome (handled, dead-lettered, duplicate, expired). Nothing a delivery throws — user code or our
/// own — ends the worker: a fault that escapes is logged and the event dead-lettered with
/// <see cref="DeadLetterReason.DeliveryFailed"/>.</para>
/// </remarks>
internal sealed class SubscriptionWorker
{
    private readonly Subscription _subscription;
    private readonly PriorityLanes _lanes;
    private readonly DispatchContext _context;
    private readonly DeliverySlot[] _slots;
    private readonly KeyedDispatcher? _keyed;

    // Deliveries inside DeliverSafelyAsync. A busy slot is not enough: it is freed when the outcome is claimed, before
    // the outcome is recorded (a dead letter can take a store round trip), and an idle check must not see 0 then.
    private int _delivering;

    // Nothing to check around the handler (expiry, duplicates) but shutdown and tracing: the synchronous fast path may
    // be taken, through the failure policy when there is one.
    private readonly bool _plain;

    public SubscriptionWorker(Subscription subscription, PriorityLanes lanes, DispatchContext context)
    {
        _subscription = subscription;
        _lanes = lanes;
        _context = context;
        _plain = subscription.TimeToLive is null && subscription.Idempotency is null;
        _slots = new DeliverySlot[subscription.MaxConcurrency];
        for (var i = 0; i < _slots.Length; i++)
        {
            _slots[i] = new DeliverySlot(
                new EventContext.Holder(subscription),
                subscription.Resilience?.CreateDelivery(subscription.Handler, context.Abort));
        }

        _keyed = _slots.Length > 1 ? new KeyedDispatcher(this, lanes, _slots, subscription.OrderingKey) : null;
    }

    /// <summary>Gets a task that completes when every accepted event reached its outcome (or was handed to the
    /// stopping bus by <see cref="AbandonAsync"/>).</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    /// <summary>Gets the number of events being delivered right now: from the moment their delivery begins (or, with
    /// ordering keys, they are handed to a slot) until their outcome is recorded — a dead letter stored, an inbox
    /// written — so that <c>QueuedCount + InFlightCount == 0</c> means the subscription has nothing left to do.</summary>
    public int InFlight => Volatile.Read(ref _delivering) + (_keyed?.AssignedCount ?? 0);

    public void Start() =>
        Completion = _keyed is null
            ? Task.Run(RunSequentialAsync)
            : Task.Run(_keyed.RunAsync);

    /// <summary>Called by the stopping bus once the grace period after cancelling handlers is over: records every
    /// delivery still running as <see cref="DeadLetterReason.Abandoned"/> and every event still queued as
    /// <see cref="DeadLetterReason.NotDrained"/>, so nothing accepted is left without an outcome when stop returns.</summary>
    public async Task AbandonAsync(TimeSpan grace)
    {
        if (_keyed is not null)
        {
            await _keyed.AbandonAsync().ConfigureAwait(false);
        }
        else if (_slots[0].Abandon() is { } running)
        {
            // The worker is inside the handler and will not read again when it returns: the lanes are ours now.
            await RecordAbandonedAsync(running, _slots[0]).ConfigureAwait(false);
            await DrainAsNotDrainedAsync().ConfigureAwait(false);
            return;
        }

        // The worker runs only our own code now (cancellation is requested: it dead-letters without calling handlers).
        try
        {
            await Completion.WaitAsync(grace, _context.TimeProvider).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Log.WorkerDidNotStop(_context.Logger, _subscription.Name, _lanes.Count);
        }
    }

    /// <summary>Delivers one event and never throws: a fault is logged and the event dead-lettered, unless its outcome
    /// was already recorded.</summary>
    public ValueTask DeliverSafelyAsync(Event @event, DeliverySlot slot)
    {
        BeginDelivering();
        ValueTask pending;
        try
        {
            pending = DeliverAsync(@event, slot);
        }
        catch (Exception ex)
        {
            return AwaitDeliveryAsync(ValueTask.FromException(ex), @event, slot);
        }

        if (pending.IsCompletedSuccessfully)
        {
            EndDelivering();
            return default;
        }

        return AwaitDeliveryAsync(pending, @event, slot);
    }

    /// <summary>The ordering key selector threw: the event cannot be placed, so it is dead-lettered.</summary>
    public async ValueTask OrderingKeyFailedAsync(Event @event, Exception exception)
    {
        try
        {
            Log.OrderingKeyFailed(_context.Logger, _subscription.Name, @event.Id, @event.Type, exception);
            _context.Metrics.Failed(@event.Type, _subscription.Name, exception);
            await DeadLetterAsync(@event, DeadLetterReason.OrderingKeyFailed, exception, 0).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            OnUnrecordableFault(@event, ex);
        }
    }

    /// <summary>Records the outcome of a delivery the stopping bus took over from a handler that ignored cancellation.</summary>
    public async ValueTask RecordAbandonedAsync(Event @event, DeliverySlot slot)
    {
        try
        {
            Log.HandlerAbandoned(_context.Logger, _subscription.Name, @event.Id, @event.Type);
            await DeadLetterAsync(@event, DeadLetterReason.Abandoned, null, Math.Max(1, slot.Delivery?.Attempts ?? 1)).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            OnUnrecordableFault(@event, ex);
        }
    }

    /// <summary>Records an event the bus gave up on before its delivery began.</summary>
    public async ValueTask RecordNotDrainedAsync(Event @event)
    {
        try
        {
            await DeadLetterAsync(@event, DeadLetterReason.NotDrained, null, 0).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            OnUnrecordableFault(@event, ex);
        }
    }

    /// <summary>Reads what is left in the completed lanes and records each event as not drained.</summary>
    public async ValueTask DrainAsNotDrainedAsync()
    {
        while (await _lanes.WaitToReadAsync().ConfigureAwait(false))
        {
            while (_lanes.TryRead(out var @event))
            {
                if (_keyed is not null)
                {
                    _lanes.Release();
                }

                await RecordNotDrainedAsync(@event).ConfigureAwait(false);
            }
        }
    }

    private async Task RunSequentialAsync()
    {
        var slot = _slots[0];
        EventContext.Install(slot.Context);
        while (await _lanes.WaitToReadAsync().ConfigureAwait(false))
        {
            while (_lanes.TryRead(out var @event))
            {
                var pending = DeliverSafelyAsync(@event, slot);
                if (!pending.IsCompletedSuccessfully)
                {
                    await pending.ConfigureAwait(false);
                }

                if (slot.IsAbandoned)
                {
                    // The stopping bus recorded this delivery and reads what is left.
                    return;
                }
            }
        }
    }

    private async ValueTask AwaitDeliveryAsync(ValueTask pending, Event @event, DeliverySlot slot)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await OnFaultAsync(@event, slot, ex).ConfigureAwait(false);
        }
        finally
        {
            EndDelivering();
        }
    }

    // One slot: only its thread writes the count, so a volatile store replaces an atomic read-modify-write per event;
    // several slots share it and need the atomic form.
    private void BeginDelivering()
    {
        if (_keyed is null)
        {
            Volatile.Write(ref _delivering, 1);
        }
        else
        {
            Interlocked.Increment(ref _delivering);
        }
    }

    private void EndDelivering()
    {
        if (_keyed is null)
        {
            Volatile.Write(ref _delivering, 0);
        }
        else
        {
            Interlocked.Decrement(ref _delivering);
        }
    }

    private async ValueTask OnFaultAsync(Event @event, DeliverySlot slot, Exception exception)
    {
        try
        {
            Log.DeliveryFaulted(_context.Logger, _subscription.Name, @event.Id, @event.Type, exception);
            if (slot.TryClaim(@event))
            {
                _context.Metrics.Failed(@event.Type, _subscription.Name, exception);
                await DeadLetterAsync(@event, DeadLetterReason.DeliveryFailed, exception, slot.Delivery?.Attempts ?? 1).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            OnUnrecordableFault(@event, ex);
        }
    }

    /// <summary>The last resort: even recording failed (a logger or metrics listener that throws). Say it if we can.</summary>
    private void OnUnrecordableFault(Event @event, Exception exception)
    {
        try
        {
            Log.OutcomeNotRecorded(_context.Logger, _subscription.Name, @event.Id, @event.Type, exception);
        }
        catch (Exception)
        {
            // Nothing is left to tell; the worker must go on.
        }
    }

    /// <summary>Delivers one event; completes synchronously when the handler did and nothing went wrong.</summary>
    private ValueTask DeliverAsync(Event @event, DeliverySlot slot)
    {
        slot.Begin(@event);
        var abort = _context.Abort;
        if (!_plain || abort.IsCancellationRequested || (_context.TracingEnabled && EventBusTracing.Source.HasListeners()))
        {
            return DeliverGuardedAsync(@event, slot);
        }

        // No expiry, duplicate check or trace: call the handler (through the policy, whose first attempt is a direct
        // call too) and, when it finished synchronously and succeeded, finish here without an asynchronous state
        // machine (the hot path).
        var handled = slot.Delivery is { } delivery
            ? _subscription.Resilience!.ExecuteAsync(delivery, @event, _lanes, abort)
            : HandleDirectlyAsync(@event, abort);
        if (handled.IsCompletedSuccessfully && handled.Result.Outcome == DeliveryOutcome.Handled)
        {
            if (slot.TryClaim(@event))
            {
                OnHandled(@event);
            }

            return default;
        }

        return FinishAsync(@event, slot, handled, activity: null);
    }

    /// <summary>The full path: shutdown, expiry and duplicate checks, the policy, and tracing.</summary>
    private async ValueTask DeliverGuardedAsync(Event @event, DeliverySlot slot)
    {
        var abort = _context.Abort;
        if (abort.IsCancellationRequested)
        {
            if (slot.TryClaim(@event))
            {
                await DeadLetterAsync(@event, DeadLetterReason.NotDrained, null, 0).ConfigureAwait(false);
            }

            return;
        }

        if (_subscription.TimeToLive is { } ttl
            && _context.TimeProvider.GetUtcNow() - @event.Time > ttl
            && _context.Tracker.Find(@event)?.Redriven is null)
        {
            if (slot.TryClaim(@event))
            {
                Log.EventExpired(_context.Logger, @event.Id, @event.Type, _subscription.Name, @event.Time, ttl);
                await DeadLetterAsync(@event, DeadLetterReason.Expired, null, 0).ConfigureAwait(false);
            }

            return;
        }

        var guard = _subscription.Idempotency;
        if (guard is not null && !await guard.IsNewAsync(@event, abort).ConfigureAwait(false))
        {
            if (slot.TryClaim(@event))
            {
                _context.Metrics.Dropped(@event.Type, _subscription.Name, "duplicate");
                Log.DuplicateDropped(_context.Logger, @event.Id, @event.Type, _subscription.Name);
                _context.Tracker.Report(@event, _subscription.Name, DeliveryStatus.Duplicate);
            }

            return;
        }

        var activity = _context.TracingEnabled ? EventBusTracing.StartHandle(@event, _subscription.Name) : null;
        var handled = slot.Delivery is { } delivery
            ? _subscription.Resilience!.ExecuteAsync(delivery, @event, _lanes, abort)
            : HandleDirectlyAsync(@event, abort);
        await FinishAsync(@event, slot, handled, activity).ConfigureAwait(false);
    }

    /// <summary>Awaits the outcome and records it, unless the stopping bus took the delivery over meanwhile.</summary>
    private async ValueTask FinishAsync(Event @event, DeliverySlot slot, ValueTask<DeliveryResult> handled, Activity? activity)
    {
        try
        {
            var result = await handled.ConfigureAwait(false);
            EventBusTracing.SetOutcome(activity, result.Attempts, OutcomeName(result.Outcome), result.Outcome is DeliveryOutcome.Handled ? null : result.Exception);
            if (!slot.TryClaim(@event))
            {
                // Abandoned when the bus stopped: it is already dead-lettered, and a second outcome would be a lie. If it
                // did succeed after all, the inbox (when there is one) learns it, so a redrive drops it as a duplicate.
                Log.AbandonedHandlerReturned(_context.Logger, _subscription.Name, @event.Id, OutcomeName(result.Outcome));
                if (result.Outcome is DeliveryOutcome.Handled or DeliveryOutcome.HandledByFallback && _subscription.Idempotency is { } late)
                {
                    await late.RecordAsync(@event).ConfigureAwait(false);
                }

                return;
            }

            if (result.Outcome is DeliveryOutcome.Handled or DeliveryOutcome.HandledByFallback && _subscription.Idempotency is { } guard)
            {
                // Recorded before the origin is told: once an origin moves on, a redelivery is known as a duplicate.
                await guard.RecordAsync(@event).ConfigureAwait(false);
            }

            switch (result.Outcome)
            {
                case DeliveryOutcome.Handled:
                    OnHandled(@event);
                    break;
                case DeliveryOutcome.HandledByFallback:
                    _context.Tracker.Report(@event, _subscription.Name, DeliveryStatus.HandledByFallback);
                    break;
                case DeliveryOutcome.Cancelled:
                    await DeadLetterAsync(@event, DeadLetterReason.NotDrained, result.Exception, result.Attempts).ConfigureAwait(false);
                    break;
                case DeliveryOutcome.Unreadable:
                    await DeadLetterAsync(@event, DeadLetterReason.DeserializationFailed, result.Exception, result.Attempts).ConfigureAwait(false);
                    break;
                default:
                    await DeadLetterAsync(@event, DeadLetterReason.HandlerFailed, result.Exception, result.Attempts).ConfigureAwait(false);
                    break;
            }
        }
        finally
        {
            activity?.Dispose();
        }
    }

    private void OnHandled(Event @event)
    {
        _context.Metrics.Delivered(@event.Type, _subscription.Name);
        _context.Tracker.Report(@event, _subscription.Name, DeliveryStatus.Handled);
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

    // Dead-lettered events were never recorded in the inbox (only handled ones are), so a redrive is handled.
    private ValueTask DeadLetterAsync(Event @event, DeadLetterReason reason, Exception? exception, int attempts) =>
        _context.DeadLetters.AddAsync(@event, _subscription.Name, reason, exception, attempts);
}
