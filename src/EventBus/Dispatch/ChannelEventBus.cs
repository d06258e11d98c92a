using EventBus.Acknowledgements;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using EventBus.DeadLetters;
using EventBus.DependencyInjection;
using EventBus.Diagnostics;
using EventBus.Idempotency;
using EventBus.Internal;
using EventBus.Resilience;
using EventBus.Subscriptions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Registry;

namespace EventBus.Dispatch;

/// <summary>The in-process bus: a registry of subscriptions, each with its own priority lanes and worker.</summary>
internal sealed class ChannelEventBus : IEventBus, IAcknowledgingPublisher, IEventBusLifetime, IAsyncDisposable, IDisposable
{
    private readonly IOptions<EventBusOptions> _optionsAccessor;
    private readonly IEventTypeRegistry _types;
    private readonly DeadLetterSink _deadLetters;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<ChannelEventBus> _logger;
    private readonly IServiceScopeFactory _scopes;
    private readonly IServiceProvider _services;
    private readonly IEnumerable<HandlerRegistration> _handlers;
    private readonly SubscriptionRegistry _registry = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly Lock _lock = new();
    private readonly DispatchContext _context;
    private readonly EventBusMetrics _metrics;
    private readonly IInbox _inbox;
    private EventBusOptions _options = null!;
    private readonly List<Func<Task>> _settlers = [];
    private Task? _stopping;
    private int _sequence;
    private volatile EventBusState _state = EventBusState.Created;

    // The payload type PublishAsync(payload) saw last, with its validated name: publishers mostly repeat one type, and
    // the built-in registry never renames a type, so a reference comparison stands in for a registry lookup (a generic
    // interface call and a dictionary probe) per publish. Racing publishers at worst look a name up twice.
    private PayloadTypeName? _lastPayloadType;
    private readonly bool _typeNamesAreStable;

    public ChannelEventBus(
        IOptions<EventBusOptions> options,
        IEventTypeRegistry types,
        DeadLetterSink deadLetters,
        TimeProvider timeProvider,
        ILogger<ChannelEventBus> logger,
        IServiceScopeFactory scopes,
        IServiceProvider services,
        IEnumerable<HandlerRegistration> handlers,
        EventBusMetrics metrics,
        DeliveryTracker tracker,
        IInbox inbox)
    {
        _optionsAccessor = options;
        _types = types;
        _typeNamesAreStable = types is EventTypeRegistry;
        _deadLetters = deadLetters;
        _timeProvider = timeProvider;
        _logger = logger;
        _scopes = scopes;
        _services = services;
        _handlers = handlers;
        _metrics = metrics;
        _inbox = inbox;
        _context = new DispatchContext(deadLetters, logger, _abort.Token, metrics, tracker, timeProvider);
    }

    public EventBusState State => _state;

    public IReadOnlyList<IEventSubscription> Subscriptions => _registry.All;

    /// <summary>Gets the live subscriptions with their internals, for diagnostics.</summary>
    internal IReadOnlyList<Subscription> LiveSubscriptions => _registry.All;

    /// <summary>Registers work that follows from outcomes (a saga clearing its outbox once its commands are handled):
    /// stopping waits for it, briefly, after the last outcome, so what the bus finished is also recorded.</summary>
    internal void AddSettler(Func<Task> settled)
    {
        lock (_lock)
        {
            _settlers.Add(settled);
        }
    }

    /// <summary>Finds a live subscription by name, for redrive.</summary>
    internal Subscription? FindSubscription(string name) =>
        _registry.All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.Ordinal));

    public ValueTask StartAsync(CancellationToken cancellationToken = default)
    {
        EnsureRunning();
        return default;
    }

    public ValueTask PublishAsync<T>(T payload, PublishOptions? options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(payload);
        if (payload is Event envelope)
        {
            if (options is not null)
            {
                throw new ArgumentException("Publish options apply to payloads; set the attributes on the Event envelope instead.", nameof(options));
            }

            return PublishAsync(envelope, cancellationToken);
        }

        EnsureRunning();
        var parent = EventContext.Current;
        var time = _timeProvider.GetUtcNow();
        var type = TypeNameOf<T>();
        if (options is null)
        {
            // The common call: every attribute the options would set keeps the envelope's default.
            return PublishCore(
                new Event<T>(type, payload, id: null, EventIds.NewUuid(time))
                {
                    Time = time,
                    Source = _options.Source,
                    CorrelationId = parent?.CorrelationId,
                    CorrelatesToSelf = parent is null,
                    CausationId = parent?.Id,
                },
                cancellationToken);
        }

        var id = options.Id;
        var @event = new Event<T>(type, payload, id, id is null ? EventIds.NewUuid(time) : default)
        {
            Time = time,
            Source = options.Source ?? _options.Source,
            CorrelationId = options.CorrelationId ?? parent?.CorrelationId,
            CorrelatesToSelf = options.CorrelationId is null && parent is null,
            CausationId = options.CausationId ?? parent?.Id,
            Priority = options.Priority ?? EventPriority.Normal,
            Subject = options.Subject,
            DataVersion = options.DataVersion ?? Event.DefaultDataVersion,
            Headers = options.Headers ?? Event.NoHeaders,
        };

        return PublishCore(@event, cancellationToken);
    }

    public ValueTask PublishAsync(Event @event, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(@event);
        EnsureRunning();
        return PublishCore(Stamp(@event), cancellationToken);
    }

    async ValueTask<DeliveryReceipt> IAcknowledgingPublisher.PublishAsync(Event @event, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(@event);
        EnsureRunning();
        var ticket = new DeliveryTicket(redriven: null);
        await PublishCore(Stamp(@event), cancellationToken, ticket).ConfigureAwait(false);
        return new DeliveryReceipt(@event.Id, ticket.Outcomes);
    }

    public IEventSubscription Subscribe<T>(Func<Event<T>, CancellationToken, ValueTask> handler, SubscriptionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var pattern = TopicPattern.Exact(_types.GetTypeName<T>());
        return Subscribe(pattern, EventHandlerDelegate.Typed(handler), options, defaultName: null);
    }

    public IEventSubscription Subscribe(string pattern, Func<Event, CancellationToken, ValueTask> handler, SubscriptionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Subscribe(TopicPattern.Parse(pattern), handler, options, defaultName: null);
    }

    public async ValueTask StopAsync(CancellationToken cancellationToken = default)
    {
        Task stopping;
        lock (_lock)
        {
            // Never started (or start failed): there is nothing to drain. DI may dispose the bus once per
            // registration that resolves to it, so this path runs more than once.
            if (_stopping is null && _state is EventBusState.Created or EventBusState.Stopped)
            {
                _state = EventBusState.Stopped;
                return;
            }

            _stopping ??= StopCoreAsync(cancellationToken);
            stopping = _stopping;
        }

        await stopping.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _abort.Dispose();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private IEventSubscription Subscribe(TopicPattern pattern, Func<Event, CancellationToken, ValueTask> handler, SubscriptionOptions? options, string? defaultName)
    {
        EnsureRunning();
        return SubscribeCore(pattern, handler, options ?? new SubscriptionOptions(), defaultName);
    }

    private Subscription SubscribeCore(TopicPattern pattern, Func<Event, CancellationToken, ValueTask> handler, SubscriptionOptions options, string? defaultName)
    {
        var name = options.Name ?? defaultName ?? $"{pattern.Value}#{Interlocked.Increment(ref _sequence)}";
        var capacity = options.Capacity ?? _options.Capacity;
        var maxConcurrency = options.MaxConcurrency ?? _options.MaxConcurrency;
        var overflow = options.OverflowPolicy ?? _options.OverflowPolicy;
        ArgumentException.ThrowIfNullOrWhiteSpace(name, "options.Name");
        if (capacity < 1)
        {
            throw new ArgumentOutOfRangeException("options.Capacity", capacity, $"Subscription '{name}': capacity must be at least 1.");
        }

        if (maxConcurrency is < 1 or > DispatchConstants.MaxMaxConcurrency)
        {
            throw new ArgumentOutOfRangeException("options.MaxConcurrency", maxConcurrency,
                $"Subscription '{name}': MaxConcurrency must be between 1 and {DispatchConstants.MaxMaxConcurrency}.");
        }

        if (!Enum.IsDefined(overflow))
        {
            throw new ArgumentOutOfRangeException("options.OverflowPolicy", overflow, $"Subscription '{name}': unknown overflow policy.");
        }

        var subscription = new Subscription(
            name, pattern, handler, capacity, overflow, maxConcurrency,
            options.OrderingKey ?? Subscription.DefaultOrderingKey, _registry, _context, ResolvePolicies(name, options));

        lock (_lock)
        {
            ThrowIfClosed();
            _registry.Add(subscription);
        }

        subscription.Start();
        return subscription;
    }

    private void EnsureRunning()
    {
        if (_state == EventBusState.Running)
        {
            return;
        }

        lock (_lock)
        {
            ThrowIfClosed();
            if (_state == EventBusState.Running)
            {
                return;
            }

            // Reading Value runs the options validators: bad settings fail here, at start, by name.
            _options = _optionsAccessor.Value;
            _metrics.Attach(_options.Diagnostics.MetricsEnabled, () => _registry.All);
            _context.TracingEnabled = _options.Diagnostics.TracingEnabled;

            // DI handlers subscribe before the bus reports Running, so no publish can slip past them.
            foreach (var registration in _handlers)
            {
                var options = new SubscriptionOptions();
                registration.Configure?.Invoke(options);
                var pattern = registration.Pattern(_types);
                SubscribeCore(pattern, registration.CreateHandler(_scopes), options, $"{registration.HandlerType.Name}:{pattern.Value}");
            }

            _state = EventBusState.Running;
        }

        Log.BusStarted(_logger, _registry.All.Count);
    }

    private void ThrowIfClosed()
    {
        if (_state is EventBusState.Stopping or EventBusState.Stopped)
        {
            throw new EventBusClosedException();
        }
    }

    /// <summary>The event type name of payload type <typeparamref name="T"/>, validated.</summary>
    private string TypeNameOf<T>()
    {
        var last = _lastPayloadType;
        if (_typeNamesAreStable && last is not null && ReferenceEquals(last.Type, typeof(T)))
        {
            return last.Name;
        }

        // A registry returns the same name instance per payload type: validate each name once, not per publish.
        var name = _types.GetTypeName<T>();
        if (last is null || !ReferenceEquals(last.Name, name))
        {
            EventTypeName.Validate(name, "T");
            _lastPayloadType = new PayloadTypeName(typeof(T), name);
        }

        return name;
    }

    private Event Stamp(Event @event)
    {
        var parent = EventContext.Current;
        var needsTime = !@event.HasTime;
        var needsSource = @event.Source is null;
        var needsCorrelation = @event.CorrelationId is null;
        var needsCausation = @event.CausationId is null && parent is not null;
        if (!(needsTime || needsSource || needsCorrelation || needsCausation))
        {
            return @event;
        }

        return @event with
        {
            Time = needsTime ? _timeProvider.GetUtcNow() : @event.Time,
            Source = @event.Source ?? _options.Source,
            CorrelationId = @event.CorrelationId ?? parent?.CorrelationId,
            CorrelatesToSelf = @event.CorrelationId is null && parent is null,
            CausationId = @event.CausationId ?? parent?.Id,
        };
    }

    /// <summary>Resolves a subscription's failure handling from its options over the bus defaults; bad overrides
    /// throw, naming the setting.</summary>
    private SubscriptionPolicies ResolvePolicies(string name, SubscriptionOptions options)
    {
        var pipeline = ResolvePipeline(name, options);
        var resilience = _options.Resilience;
        if (options.ConfigureResilience is { } configureResilience)
        {
            resilience = resilience.Clone();
            configureResilience(resilience);
            var failures = new List<string>();
            ResilienceOptionsValidation.Validate($"Subscription '{name}': Resilience", resilience, failures);
            if (failures.Count > 0)
            {
                throw new ArgumentException(string.Join(" ", failures), "options.ConfigureResilience");
            }
        }

        var idempotency = _options.Idempotency;
        if (options.ConfigureIdempotency is { } configureIdempotency)
        {
            idempotency = idempotency.Clone();
            configureIdempotency(idempotency);
            var failures = new List<string>();
            IdempotencyOptionsValidation.Validate($"Subscription '{name}': Idempotency", idempotency, failures);
            if (failures.Count > 0)
            {
                throw new ArgumentException(string.Join(" ", failures), "options.ConfigureIdempotency");
            }
        }

        var timeToLive = options.TimeToLive ?? _options.TimeToLive;
        if (timeToLive <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException("options.TimeToLive", timeToLive, $"Subscription '{name}': TimeToLive must be positive.");
        }

        return new SubscriptionPolicies(
            pipeline is null
                ? SubscriptionResilience.Create(name, resilience, options.Fallback, _timeProvider, _metrics, _logger)
                : SubscriptionResilience.CreateWithPipeline(name, pipeline, resilience, options.Fallback, _timeProvider, _metrics, _logger),
            idempotency.Enabled ? new IdempotencyGuard(_inbox, name, new IdempotencyWindow(idempotency.MaxCount, idempotency.Window), _logger) : null,
            timeToLive);
    }

    /// <summary>Finds the subscription's own Polly pipeline, given directly or by its key in the container's
    /// <see cref="ResiliencePipelineProvider{TKey}"/>; <see langword="null"/> when it uses the bus's policy.</summary>
    private ResiliencePipeline? ResolvePipeline(string name, SubscriptionOptions options)
    {
        if (options.ResiliencePipeline is null && options.ResiliencePipelineKey is null)
        {
            return null;
        }

        if (options.ResiliencePipeline is not null && options.ResiliencePipelineKey is not null)
        {
            throw new ArgumentException(
                $"Subscription '{name}': set ResiliencePipeline or ResiliencePipelineKey ('{options.ResiliencePipelineKey}'), not both.",
                "options.ResiliencePipelineKey");
        }

        if (options.ConfigureResilience is not null)
        {
            throw new ArgumentException(
                $"Subscription '{name}': ConfigureResilience adjusts the bus's policy, which a subscription with its own pipeline does not use; set one or the other.",
                "options.ConfigureResilience");
        }

        if (options.ResiliencePipeline is { } pipeline)
        {
            return pipeline;
        }

        var key = options.ResiliencePipelineKey!;
        if (string.IsNullOrWhiteSpace(key))
        {
            throw new ArgumentException($"Subscription '{name}': ResiliencePipelineKey '{key}' is empty.", "options.ResiliencePipelineKey");
        }

        var provider = _services.GetService<ResiliencePipelineProvider<string>>()
            ?? throw new InvalidOperationException(
                $"Subscription '{name}': ResiliencePipelineKey '{key}' needs a ResiliencePipelineProvider<string> in the service container; register the pipeline with services.AddResiliencePipeline(\"{key}\", ...) (Polly.Extensions).");
        if (!provider.TryGetPipeline(key, out var registered))
        {
            throw new ArgumentException($"Subscription '{name}': no resilience pipeline is registered with the key '{key}'.", "options.ResiliencePipelineKey");
        }

        return registered;
    }

    /// <summary>Counts the publish and, when someone listens, wraps it in a producer span whose context travels in
    /// <see cref="Event.TraceParent"/> to every handle span.</summary>
    private ValueTask PublishCore(Event @event, CancellationToken cancellationToken, DeliveryTicket? ticket = null)
    {
        _metrics.Published(@event.Type);
        var activity = _context.TracingEnabled ? EventBusTracing.StartPublish(@event) : null;
        if (activity is null)
        {
            if (_context.TracingEnabled && Activity.Current is { } ambient && @event.TraceParent is null)
            {
                @event = @event with { TraceParent = ambient.Id };
            }

            return ticket is null ? Dispatch(@event, cancellationToken) : DispatchTracked(@event, ticket, cancellationToken);
        }

        ValueTask pending;
        try
        {
            var traced = @event with { TraceParent = activity.Id };
            pending = ticket is null ? Dispatch(traced, cancellationToken) : DispatchTracked(traced, ticket, cancellationToken);
        }
        catch (Exception ex)
        {
            activity.SetStatus(ActivityStatusCode.Error, ex.Message);
            activity.Dispose();
            throw;
        }

        if (pending.IsCompletedSuccessfully)
        {
            activity.Dispose();
            return default;
        }

        return AwaitPublishAsync(pending, activity);
    }

    private static async ValueTask AwaitPublishAsync(ValueTask pending, Activity activity)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            activity.SetStatus(ActivityStatusCode.Error, ex.Message);
            throw;
        }
        finally
        {
            activity.Dispose();
        }
    }

    /// <summary>Hands the event to every matching subscription, or to none: room is reserved in all of them before
    /// any is written to, so a full, closed or cancelled publish leaves no subscription with the event.</summary>
    private ValueTask Dispatch(Event @event, CancellationToken cancellationToken)
    {
        var subscriptions = _registry.Match(@event.Type);
        if (subscriptions.Length == 0)
        {
            if (_logger.IsEnabled(LogLevel.Debug))
            {
                // Reading the id formats it: only for a log line that is written.
                Log.NoSubscribers(_logger, @event.Id, @event.Type);
            }

            _context.Tracker.Expect(@event, 0);
            return default;
        }

        for (var i = 0; i < subscriptions.Length; i++)
        {
            if (subscriptions[i].Lanes.TryReserve() != Reservation.Reserved)
            {
                return DispatchSlowAsync(@event, subscriptions, reserved: i, cancellationToken);
            }
        }

        for (var i = 0; i < subscriptions.Length; i++)
        {
            subscriptions[i].Lanes.Commit(@event);
        }

        _context.Tracker.Expect(@event, subscriptions.Length);
        return default;
    }

    /// <summary>Dispatches the very instance that is queued with the origin's ticket, so outcomes find their way back.</summary>
    private ValueTask DispatchTracked(Event @event, DeliveryTicket ticket, CancellationToken cancellationToken)
    {
        _context.Tracker.Track(@event, ticket);
        ValueTask pending;
        try
        {
            pending = Dispatch(@event, cancellationToken);
        }
        catch
        {
            _context.Tracker.Untrack(@event);
            throw;
        }

        return pending.IsCompletedSuccessfully ? default : AwaitTrackedAsync(@event, pending);
    }

    private async ValueTask AwaitTrackedAsync(Event @event, ValueTask pending)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch
        {
            _context.Tracker.Untrack(@event);
            throw;
        }
    }

    /// <summary>The publish that found a subscription full or closed: applies each overflow policy, waits for room
    /// without holding any, and commits only when every subscription has either a slot or a policy outcome.</summary>
    /// <param name="event">The event.</param>
    /// <param name="subscriptions">The matching subscriptions.</param>
    /// <param name="reserved">How many leading subscriptions already hold a slot for the event.</param>
    /// <param name="cancellationToken">Cancels waiting for room.</param>
    /// <remarks>Pooled: a publisher that outruns its subscriber comes here once per wake-up and would otherwise
    /// allocate a state machine each time it waits.</remarks>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask DispatchSlowAsync(Event @event, Subscription[] subscriptions, int reserved, CancellationToken cancellationToken)
    {
        var plan = new Placement[subscriptions.Length];
        plan.AsSpan(0, reserved).Fill(Placement.Reserved);
        List<(Subscription Subscription, Event Event)>? evicted = null;
        try
        {
            var next = reserved;
            while (true)
            {
                var waitFor = PlaceRest(@event, subscriptions, plan, next, ref evicted);
                if (waitFor is null)
                {
                    break;
                }

                // Wait for room without holding any elsewhere, then place the whole fan-out again.
                CancelReservations(subscriptions, plan);
                await waitFor.Lanes.WaitForSpaceAsync(cancellationToken).ConfigureAwait(false);
                next = 0;
            }
        }
        catch
        {
            CancelReservations(subscriptions, plan);
            if (evicted is not null)
            {
                await DeadLetterOverflowAsync(evicted).ConfigureAwait(false);
            }

            throw;
        }

        List<(Subscription Subscription, Event Event)>? dropped = evicted;
        var accepted = 0;
        for (var i = 0; i < subscriptions.Length; i++)
        {
            switch (plan[i])
            {
                case Placement.Reserved:
                    subscriptions[i].Lanes.Commit(@event);
                    accepted++;
                    break;
                case Placement.Dropped:
                    (dropped ??= []).Add((subscriptions[i], @event));
                    accepted++;
                    break;
            }
        }

        _context.Tracker.Expect(@event, accepted);

        if (dropped is not null)
        {
            await DeadLetterOverflowAsync(dropped).ConfigureAwait(false);
        }
    }

    /// <summary>Places the event in subscriptions <paramref name="from"/> onwards.</summary>
    /// <returns>The subscription to wait for (full, with the Wait policy), or <see langword="null"/> once every
    /// subscription is placed.</returns>
    /// <exception cref="SubscriptionOverflowException">A subscription with the Fail policy is full, or a handler
    /// publishes into its own full subscription with the Wait policy.</exception>
    /// <exception cref="EventBusClosedException">The bus is stopping.</exception>
    private Subscription? PlaceRest(Event @event, Subscription[] subscriptions, Placement[] plan, int from, ref List<(Subscription, Event)>? evicted)
    {
        for (var i = from; i < subscriptions.Length; i++)
        {
            var subscription = subscriptions[i];
            var lanes = subscription.Lanes;
            var reservation = lanes.TryReserve();
            if (reservation == Reservation.Full)
            {
                switch (lanes.Policy)
                {
                    case OverflowPolicy.Fail:
                        throw new SubscriptionOverflowException(subscription.Name, lanes.Capacity);
                    case OverflowPolicy.DropNewest:
                        plan[i] = Placement.Dropped;
                        continue;
                    case OverflowPolicy.DropOldest:
                        reservation = lanes.TryReserveByEvicting(out var oldest);
                        if (oldest is not null)
                        {
                            (evicted ??= []).Add((subscription, oldest));
                        }

                        if (reservation == Reservation.Full)
                        {
                            // Every queued event is parked behind a busy ordering key or reserved by a publisher:
                            // there is no oldest to take out, so the incoming one is dropped.
                            plan[i] = Placement.Dropped;
                            continue;
                        }

                        break;
                    default:
                        if (ReferenceEquals(EventContext.CurrentSubscription, subscription))
                        {
                            // Only this handler's own worker can make room, and it is busy running this handler.
                            throw new SubscriptionOverflowException(subscription.Name, lanes.Capacity, reentrant: true);
                        }

                        return subscription;
                }
            }

            if (reservation == Reservation.Closed)
            {
                ThrowIfClosed();
                plan[i] = Placement.Skipped; // unsubscribed meanwhile: it no longer takes events
                continue;
            }

            plan[i] = Placement.Reserved;
        }

        return null;
    }

    private static void CancelReservations(Subscription[] subscriptions, Placement[] plan)
    {
        for (var i = 0; i < plan.Length; i++)
        {
            if (plan[i] == Placement.Reserved)
            {
                subscriptions[i].Lanes.CancelReservation();
            }

            plan[i] = Placement.None;
        }
    }

    private async ValueTask DeadLetterOverflowAsync(List<(Subscription Subscription, Event Event)> dropped)
    {
        foreach (var (subscription, @event) in dropped)
        {
            _metrics.Dropped(@event.Type, subscription.Name, "overflow");
            await _deadLetters.AddAsync(@event, subscription.Name, DeadLetterReason.Overflow, null, 0).ConfigureAwait(false);
        }
    }

    private async Task StopCoreAsync(CancellationToken cancellationToken)
    {
        _state = EventBusState.Stopping;
        var subscriptions = _registry.All;
        try
        {
            Log.BusStopping(_logger, subscriptions.Sum(s => s.QueuedCount), _options.DrainTimeout);
            foreach (var subscription in subscriptions)
            {
                subscription.CompleteIntake();
            }

            var drained = Task.WhenAll(subscriptions.Select(s => s.Completion));
            try
            {
                await drained.WaitAsync(_options.DrainTimeout, _timeProvider, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
            {
                Log.DrainTimedOut(_logger, subscriptions.Sum(s => s.QueuedCount + s.InFlightCount));
            }

            await _abort.CancelAsync().ConfigureAwait(false);
            try
            {
                await drained.WaitAsync(DispatchConstants.AbortGracePeriod, _timeProvider).ConfigureAwait(false);
                return;
            }
            catch (TimeoutException)
            {
                Log.HandlersIgnoredCancellation(_logger, subscriptions.Count(s => !s.Completion.IsCompleted));
            }

            // Handlers that ignore cancellation keep running, but stop does not return with their events, nor the
            // events queued behind them, unaccounted for.
            await Task.WhenAll(subscriptions
                .Where(s => !s.Completion.IsCompleted)
                .Select(s => s.AbandonAsync(DispatchConstants.AbortGracePeriod))).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // A worker that failed is reported by the health check; stopping still ends in Stopped.
            Log.StopFailed(_logger, ex);
        }
        finally
        {
            await SettleAsync().ConfigureAwait(false);
            _state = EventBusState.Stopped;
            Log.BusStopped(_logger);
        }
    }

    private async Task SettleAsync()
    {
        Func<Task>[] settlers;
        lock (_lock)
        {
            settlers = [.. _settlers];
        }

        try
        {
            await Task.WhenAll(settlers.Select(s => s())).WaitAsync(DispatchConstants.AbortGracePeriod, _timeProvider).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.StopFailed(_logger, ex);
        }
    }

    /// <summary>Where a publish stands with one matching subscription.</summary>
    private enum Placement : byte
    {
        None,
        Reserved,
        Dropped,
        Skipped,
    }

    private sealed record PayloadTypeName(Type Type, string Name);
}
