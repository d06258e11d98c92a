using System.Collections.Concurrent;
using EventBus.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EventBus.Sagas;

/// <summary>Applies events to the instances of one saga: load, decide, save with optimistic concurrency (retrying on
/// a conflict), then arm or cancel timeouts and publish what the handlers held back.</summary>
internal sealed class SagaRunner<TState> : IAsyncDisposable
    where TState : class, new()
{
    private readonly ISagaStore _store;
    private readonly IEventBus _bus;
    private readonly IAcknowledgingPublisher _publisher;
    private readonly ILogger _logger;
    private readonly SagaTimeoutScheduler _timeouts;
    private readonly Lock _lock = new();

    // Outbox events this runner failed to publish: they go out with the instance's next change.
    private readonly ConcurrentDictionary<string, byte> _unsent = new(StringComparer.Ordinal);

    // Published outbox events waiting for their outcomes before they leave the stored outbox.
    private readonly ConcurrentDictionary<Task, byte> _clearing = new();
    private Dictionary<string, SagaHandler<TState>>? _handlersByType;
    private Task? _recovery;

    public SagaRunner(
        SagaDefinition<TState> definition,
        SagaOptions options,
        ISagaStore store,
        IEventBus bus,
        IAcknowledgingPublisher publisher,
        IEventTypeRegistry types,
        TimeProvider timeProvider,
        IServiceScopeFactory scopes,
        ILogger<SagaRunner<TState>> logger)
    {
        Definition = definition;
        Options = options;
        Types = types;
        TimeProvider = timeProvider;
        Scopes = scopes;
        Source = options.Source ?? SagaConstants.DefaultSource(definition.Name);
        _store = store;
        _bus = bus;
        _publisher = publisher;
        _logger = logger;
        _timeouts = new SagaTimeoutScheduler(definition.Name, store, publisher, timeProvider, options, logger);
        if (bus is Dispatch.ChannelEventBus channel)
        {
            // Stopping the bus also waits for published commands to leave the stored outbox.
            channel.AddSettler(() => OutboxSettled);

            // ... and for fired timeouts to be completed, or given back, in the store.
            channel.AddSettler(() => _timeouts.Settled);
        }
    }

    public SagaDefinition<TState> Definition { get; }

    public SagaOptions Options { get; }

    public IEventTypeRegistry Types { get; }

    public TimeProvider TimeProvider { get; }

    public IServiceScopeFactory Scopes { get; }

    public string Source { get; }

    /// <summary>Gets the task that, when the saga starts on a bus, publishes what instances in the store left in their
    /// outbox and arms their pending timeouts.</summary>
    public Task Recovery => _recovery ?? Task.CompletedTask;

    /// <summary>Gets a task that completes once every outbox event published so far has reached its outcomes and left
    /// the stored outbox (or stays there because the bus stopped first).</summary>
    public Task OutboxSettled => Task.WhenAll(_clearing.Keys);

    /// <summary>Gets how many pending timeouts this process knows of and has not yet tried to claim.</summary>
    public int ArmedTimeoutCount => _timeouts.Count;

    /// <summary>Gets the name this runner claims due timeouts under.</summary>
    public string TimeoutClaimant => _timeouts.Claimant;

    /// <summary>Called as the saga's subscriptions are created: starts <see cref="Recovery"/> once.</summary>
    public void Start()
    {
        lock (_lock)
        {
            _recovery ??= Task.Run(RecoverAsync);
            _timeouts.Start();
        }
    }

    public async ValueTask HandleAsync(SagaHandler<TState> handler, Event @event, CancellationToken cancellationToken)
    {
        // Left-over outbox events go out before the first change publishes newer ones.
        if (_recovery is { IsCompleted: false } recovery)
        {
            await recovery.ConfigureAwait(false);
        }

        var key = handler.CorrelationKeyOf(Definition.Name, @event);
        if (key is null)
        {
            Log.SagaNoCorrelationKey(_logger, Definition.Name, @event.Id, @event.Type);
            return;
        }

        for (var attempt = 0; ; attempt++)
        {
            var stored = await _store.FindAsync<TState>(Definition.Name, key, cancellationToken).ConfigureAwait(false);
            var run = new SagaRun<TState>(this, key, stored, @event);
            await using (run.ConfigureAwait(false))
            {
                if (!await DecideAsync(run, handler, @event, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }

                var changed = run.ToInstance(Options);
                try
                {
                    await _store.SaveAsync(changed, stored?.Version ?? 0, cancellationToken).ConfigureAwait(false);
                }
                catch (SagaConcurrencyException) when (attempt < Options.MaxConflictRetries)
                {
                    Log.SagaConflict(_logger, Definition.Name, key, @event.Id, attempt + 1);
                    continue;
                }

                await AfterSaveAsync(run, stored, changed, cancellationToken).ConfigureAwait(false);
                return;
            }
        }
    }

    public ValueTask DisposeAsync() => _timeouts.DisposeAsync();

    /// <summary>Applies the event to the working copy; <see langword="false"/> when it changes nothing.</summary>
    private async ValueTask<bool> DecideAsync(SagaRun<TState> run, SagaHandler<TState> handler, Event @event, CancellationToken cancellationToken)
    {
        var stored = run.Stored;
        var key = run.CorrelationKey;
        if (stored is not null && stored.ProcessedEventIds.Contains(@event.Id, StringComparer.Ordinal))
        {
            Log.SagaDuplicateIgnored(_logger, Definition.Name, key, @event.Id, @event.Type);
            return false;
        }

        if (@event.Headers.TryGetValue(SagaConstants.TimeoutHeader, out var timeoutId)
            && @event.Headers.TryGetValue(SagaConstants.SagaHeader, out var sagaName)
            && string.Equals(sagaName, Definition.Name, StringComparison.Ordinal))
        {
            if (run.Timeouts.RemoveAll(t => string.Equals(t.Id, timeoutId, StringComparison.Ordinal)) == 0)
            {
                return Ignore(run, @event, "its timeout was cancelled or already handled");
            }
        }

        if (stored is null || stored.Status == SagaStatus.Pending)
        {
            if (handler.StartsSaga)
            {
                run.Status = SagaStatus.Active;
                run.CorrelationId = @event.CorrelationId;
                await ApplyAsync(run, handler, @event, SagaHistoryKind.Started, cancellationToken).ConfigureAwait(false);
                await ReplayParkedAsync(run, cancellationToken).ConfigureAwait(false);
                return true;
            }

            return OutOfOrder(run, handler, @event, "the saga has not started");
        }

        if (stored.IsFinished)
        {
            return Ignore(run, @event, $"the saga is already {stored.Status}");
        }

        if (handler.StartsSaga)
        {
            return Ignore(run, @event, "the saga already started");
        }

        if (!handler.Accepts(run.Status, run.CurrentStep))
        {
            return OutOfOrder(run, handler, @event, $"the saga is {run.Status} in step '{run.CurrentStep}', not in {string.Join(" or ", handler.ExpectedSteps ?? [])}");
        }

        await ApplyAsync(run, handler, @event, SagaHistoryKind.Handled, cancellationToken).ConfigureAwait(false);
        await ReplayParkedAsync(run, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private bool Ignore(SagaRun<TState> run, Event @event, string reason)
    {
        // Not recorded with the instance: recording would change it, and an ignored event must change nothing.
        Log.SagaEventIgnored(_logger, Definition.Name, run.CorrelationKey, @event.Id, @event.Type, reason);
        return false;
    }

    private bool OutOfOrder(SagaRun<TState> run, SagaHandler<TState> handler, Event @event, string reason)
    {
        if (handler.OutOfOrderPolicy == OutOfOrderPolicy.Ignore)
        {
            return Ignore(run, @event, "it arrived out of order: " + reason);
        }

        if (run.Parked.Count >= Options.MaxParkedEvents)
        {
            return Ignore(run, @event, $"it arrived out of order ({reason}) and {run.Parked.Count} events are already parked");
        }

        run.Parked.Add(@event);
        run.Processed.Add(@event.Id);
        run.AddHistory(SagaHistoryKind.Parked, @event, run.CurrentStep, reason);
        Log.SagaEventParked(_logger, Definition.Name, run.CorrelationKey, @event.Id, @event.Type, reason);
        return true;
    }

    private async ValueTask ApplyAsync(SagaRun<TState> run, SagaHandler<TState> handler, Event @event, SagaHistoryKind kind, CancellationToken cancellationToken)
    {
        run.CurrentEvent = @event;
        var statusBefore = run.Status;
        var mark = run.History.Count;
        await handler.InvokeAsync(run.Context, @event, cancellationToken).ConfigureAwait(false);
        run.Processed.Add(@event.Id);

        // The handler's own entry goes before what its Complete or Fail recorded, so history reads in causal order.
        run.History.Insert(mark, new SagaHistoryEntry(run.Now, kind, @event.Id, @event.Type, run.CurrentStep));
        if (kind == SagaHistoryKind.Started)
        {
            Log.SagaStarted(_logger, Definition.Name, run.CorrelationKey, @event.Id, @event.Type, run.CurrentStep);
        }
        else
        {
            Log.SagaEventHandled(_logger, Definition.Name, run.CorrelationKey, @event.Id, @event.Type, run.CurrentStep);
        }

        if (statusBefore == SagaStatus.Active && run.Status == SagaStatus.Compensating)
        {
            Log.SagaCompensating(_logger, Definition.Name, run.CorrelationKey, run.CompensationReason!, run.CompletedSteps.Count);
        }

        if (run.CompensationPending)
        {
            await ContinueCompensationAsync(run, cancellationToken).ConfigureAwait(false);
        }

        if (run.Status == SagaStatus.Completed && statusBefore != SagaStatus.Completed)
        {
            Log.SagaCompleted(_logger, Definition.Name, run.CorrelationKey);
        }
    }

    /// <summary>Runs the compensations of completed steps latest first, each once, until one waits for confirmation
    /// or none is left; then the saga ends compensated.</summary>
    private async ValueTask ContinueCompensationAsync(SagaRun<TState> run, CancellationToken cancellationToken)
    {
        run.CompensationPending = false;
        while (run.AwaitingCompensation is null)
        {
            // A completed step without a declared compensation has nothing to undo (issue 14): it is skipped.
            var step = run.CompletedSteps.LastOrDefault(
                s => Definition.Compensations.ContainsKey(s) && !run.CompensatedSteps.Contains(s, StringComparer.Ordinal));
            if (step is null)
            {
                run.Status = SagaStatus.Compensated;
                run.Timeouts.Clear();
                if (Definition.OnCompensated is { } onCompensated)
                {
                    await onCompensated(run.Context, cancellationToken).ConfigureAwait(false);
                }

                run.AddHistory(SagaHistoryKind.Compensated, run.CurrentEvent, run.CurrentStep, run.CompensationReason);
                Log.SagaCompensated(_logger, Definition.Name, run.CorrelationKey, run.CompensationReason!, run.CompensatedSteps.Count);
                return;
            }

            var compensation = Definition.Compensations[step];
            await compensation.Compensate(run.Context, cancellationToken).ConfigureAwait(false);
            if (compensation.AwaitsConfirmation)
            {
                run.AwaitingCompensation = step;
                run.AddHistory(SagaHistoryKind.AwaitingCompensation, run.CurrentEvent, step);
                return;
            }

            run.CompensatedSteps.Add(step);
            run.AddHistory(SagaHistoryKind.StepCompensated, run.CurrentEvent, step);
        }
    }

    /// <summary>Applies parked events whose step has come, until none is ready; drops the rest if the saga finished.</summary>
    private async ValueTask ReplayParkedAsync(SagaRun<TState> run, CancellationToken cancellationToken)
    {
        var progressed = true;
        while (progressed && !IsFinished(run.Status) && run.Parked.Count > 0)
        {
            progressed = false;
            for (var i = 0; i < run.Parked.Count; i++)
            {
                var parked = run.Parked[i];
                var handler = HandlerFor(parked);
                if (handler is null || handler.StartsSaga || !handler.Accepts(run.Status, run.CurrentStep))
                {
                    continue;
                }

                run.Parked.RemoveAt(i);
                await ApplyAsync(run, handler, parked, SagaHistoryKind.Handled, cancellationToken).ConfigureAwait(false);
                progressed = true;
                break;
            }
        }

        if (IsFinished(run.Status) && run.Parked.Count > 0)
        {
            foreach (var parked in run.Parked)
            {
                run.AddHistory(SagaHistoryKind.Dropped, parked, run.CurrentStep, $"the saga ended {run.Status}");
                Log.SagaParkedEventDropped(_logger, Definition.Name, run.CorrelationKey, parked.Id, parked.Type, run.Status);
            }

            run.Parked.Clear();
        }
    }

    private async ValueTask AfterSaveAsync(SagaRun<TState> run, SagaInstance<TState>? stored, SagaInstance<TState> saved, CancellationToken cancellationToken)
    {
        foreach (var timeout in stored?.Timeouts ?? [])
        {
            if (!saved.Timeouts.Any(t => t.Id == timeout.Id))
            {
                _timeouts.Cancel(timeout.Id);
            }
        }

        foreach (var timeout in saved.Timeouts)
        {
            if (stored is null || !stored.Timeouts.Any(t => t.Id == timeout.Id))
            {
                _timeouts.Arm(timeout);
            }
        }

        // This change's own events, plus those an earlier change here failed to publish. Other left-overs are being
        // published by the handler that saved them (it clears them next); publishing them here would send them twice.
        var toPublish = saved.Outbox
            .Where(e => _unsent.ContainsKey(e.Id) || stored is null || !stored.Outbox.Any(o => o.Id == e.Id))
            .ToList();
        await PublishOutboxAsync(saved.CorrelationKey, toPublish, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Publishes outbox events in order; each leaves the stored instance once every subscription finished with
    /// it (not when it is queued), so a crash at any point publishes it again at the next start.</summary>
    /// <remarks>The outcomes are awaited in the background, not by the saga's handler: a command whose handler
    /// publishes back into this saga's full subscription would otherwise wait for the handler that waits for it.</remarks>
    private async ValueTask PublishOutboxAsync(string key, IReadOnlyList<Event> outbox, CancellationToken cancellationToken)
    {
        if (outbox.Count == 0)
        {
            return;
        }

        var published = new List<DeliveryReceipt>(outbox.Count);
        for (var i = 0; i < outbox.Count; i++)
        {
            var @event = outbox[i];
            try
            {
                published.Add(await _publisher.PublishAsync(@event, cancellationToken).ConfigureAwait(false));
                _unsent.TryRemove(@event.Id, out _);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Saved, so not lost: it stays in the outbox and goes out with the next change or the next start.
                foreach (var unsent in outbox.Skip(i))
                {
                    _unsent.TryAdd(unsent.Id, 0);
                }

                Log.SagaPublishFailed(_logger, Definition.Name, key, @event.Type, @event.Id, outbox.Count - i, ex);
                break;
            }
        }

        if (published.Count > 0)
        {
            var clearing = ClearWhenFinishedAsync(key, published);
            _clearing.TryAdd(clearing, 0);
            _ = clearing.ContinueWith(static (done, state) => ((ConcurrentDictionary<Task, byte>)state!).TryRemove(done, out _), _clearing, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private async Task ClearWhenFinishedAsync(string key, List<DeliveryReceipt> published)
    {
        var finished = new HashSet<string>(StringComparer.Ordinal);
        foreach (var receipt in published)
        {
            // Never faults; a bus that stopped first reports the delivery as interrupted, and the event stays.
            var outcomes = await receipt.Outcomes.ConfigureAwait(false);
            if (outcomes.All(o => o.IsFinal))
            {
                finished.Add(receipt.EventId);
            }
        }

        if (finished.Count > 0)
        {
            await ClearOutboxAsync(key, finished, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async ValueTask ClearOutboxAsync(string key, HashSet<string> published, CancellationToken cancellationToken)
    {
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                var stored = await _store.FindAsync<TState>(Definition.Name, key, cancellationToken).ConfigureAwait(false);
                if (stored is null || !stored.Outbox.Any(e => published.Contains(e.Id)))
                {
                    return;
                }

                try
                {
                    await _store.SaveAsync(stored with { Outbox = [.. stored.Outbox.Where(e => !published.Contains(e.Id))] }, stored.Version, cancellationToken)
                        .ConfigureAwait(false);
                    return;
                }
                catch (SagaConcurrencyException) when (attempt < Options.MaxConflictRetries)
                {
                    // Someone changed the instance meanwhile; look again.
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The events are out and the change is saved: failing the handler now would only dead-letter an event that
            // did its work. The worst left is a duplicate publish (same ids) when the saga next starts.
            Log.SagaOutboxNotCleared(_logger, Definition.Name, key, published.Count, ex);
        }
    }

    private SagaHandler<TState>? HandlerFor(Event @event)
    {
        if (@event.Payload is { } payload && Definition.HandlerFor(payload.GetType()) is { } byPayload)
        {
            return byPayload;
        }

        // A durable store may give events back with payloads of another shape; fall back to the event type name.
        var byType = _handlersByType;
        if (byType is null)
        {
            byType = Definition.Handlers.ToDictionary(h => Types.GetTypeName(h.PayloadType), StringComparer.Ordinal);
            _handlersByType = byType;
        }

        return byType.GetValueOrDefault(@event.Type);
    }

    private static bool IsFinished(SagaStatus status) => status is SagaStatus.Completed or SagaStatus.Compensated;

    private async Task RecoverAsync()
    {
        try
        {
            var armed = 0;
            await foreach (var instance in _store.QueryAsync(new SagaQuery { SagaName = Definition.Name }).ConfigureAwait(false))
            {
                if (instance.Outbox.Count > 0)
                {
                    await PublishOutboxAsync(instance.CorrelationKey, instance.Outbox, CancellationToken.None).ConfigureAwait(false);
                }

                foreach (var timeout in instance.Timeouts)
                {
                    if (_timeouts.Arm(timeout))
                    {
                        armed++;
                    }
                }
            }

            if (armed > 0)
            {
                Log.SagaTimeoutsRecovered(_logger, Definition.Name, armed);
            }
        }
        catch (Exception ex)
        {
            Log.SagaRecoveryFailed(_logger, Definition.Name, ex);
        }
    }
}
