using System.Threading.Channels;
using EventBus.DeadLetters;
using EventBus.DependencyInjection;
using EventBus.Diagnostics;
using EventBus.Internal;
using EventBus.Subscriptions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EventBus.Dispatch;

/// <summary>The in-process bus: a registry of subscriptions, each with its own priority lanes and worker.</summary>
internal sealed class ChannelEventBus : IEventBus, IEventBusLifetime, IAsyncDisposable, IDisposable
{
    private readonly IOptions<EventBusOptions> _optionsAccessor;
    private readonly IEventTypeRegistry _types;
    private readonly DeadLetterSink _deadLetters;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<ChannelEventBus> _logger;
    private readonly IServiceScopeFactory _scopes;
    private readonly IEnumerable<HandlerRegistration> _handlers;
    private readonly SubscriptionRegistry _registry = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly Lock _lock = new();
    private readonly DispatchContext _context;
    private EventBusOptions _options = null!;
    private Task? _stopping;
    private int _sequence;
    private volatile EventBusState _state = EventBusState.Created;

    public ChannelEventBus(
        IOptions<EventBusOptions> options,
        IEventTypeRegistry types,
        DeadLetterSink deadLetters,
        TimeProvider timeProvider,
        ILogger<ChannelEventBus> logger,
        IServiceScopeFactory scopes,
        IEnumerable<HandlerRegistration> handlers)
    {
        _optionsAccessor = options;
        _types = types;
        _deadLetters = deadLetters;
        _timeProvider = timeProvider;
        _logger = logger;
        _scopes = scopes;
        _handlers = handlers;
        _context = new DispatchContext(deadLetters, logger, _abort.Token);
    }

    public EventBusState State => _state;

    public IReadOnlyList<IEventSubscription> Subscriptions => _registry.All;

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
        var id = options?.Id ?? EventIds.NewId(time);
        var @event = new Event<T>(_types.GetTypeName<T>(), payload, id)
        {
            Time = time,
            Source = options?.Source ?? _options.Source,
            CorrelationId = options?.CorrelationId ?? parent?.CorrelationId ?? id,
            CausationId = options?.CausationId ?? parent?.Id,
            Priority = options?.Priority ?? EventPriority.Normal,
            Subject = options?.Subject,
            DataVersion = options?.DataVersion ?? Event.DefaultDataVersion,
            Headers = options?.Headers ?? Event.NoHeaders,
        };

        return Dispatch(@event, cancellationToken);
    }

    public ValueTask PublishAsync(Event @event, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(@event);
        EnsureRunning();
        return Dispatch(Stamp(@event), cancellationToken);
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
            options.OrderingKey ?? Subscription.DefaultOrderingKey, _registry, _context);

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

    private Event Stamp(Event @event)
    {
        var parent = EventContext.Current;
        var needsTime = @event.Time == default;
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
            CorrelationId = @event.CorrelationId ?? parent?.CorrelationId ?? @event.Id,
            CausationId = @event.CausationId ?? parent?.Id,
        };
    }

    private ValueTask Dispatch(Event @event, CancellationToken cancellationToken)
    {
        var subscriptions = _registry.Match(@event.Type);
        if (subscriptions.Length == 0)
        {
            Log.NoSubscribers(_logger, @event.Id, @event.Type);
            return default;
        }

        for (var i = 0; i < subscriptions.Length; i++)
        {
            ValueTask<Event?> accepted;
            try
            {
                accepted = subscriptions[i].Lanes.EnqueueAsync(@event, cancellationToken);
            }
            catch (ChannelClosedException)
            {
                ThrowIfClosed();
                continue; // unsubscribed meanwhile: it no longer takes events
            }

            if (!accepted.IsCompletedSuccessfully || accepted.Result is not null)
            {
                return DispatchSlowAsync(@event, subscriptions, i, accepted, cancellationToken);
            }
        }

        return default;
    }

    private async ValueTask DispatchSlowAsync(Event @event, Subscription[] subscriptions, int index, ValueTask<Event?> pending, CancellationToken cancellationToken)
    {
        while (true)
        {
            var subscription = subscriptions[index];
            try
            {
                var dropped = await pending.ConfigureAwait(false);
                if (dropped is not null)
                {
                    await _deadLetters.AddAsync(dropped, subscription.Name, DeadLetterReason.Overflow, null, 0).ConfigureAwait(false);
                }
            }
            catch (ChannelClosedException)
            {
                ThrowIfClosed();
            }

            if (++index == subscriptions.Length)
            {
                return;
            }

            try
            {
                pending = subscriptions[index].Lanes.EnqueueAsync(@event, cancellationToken);
            }
            catch (ChannelClosedException)
            {
                ThrowIfClosed();
                pending = ValueTask.FromResult<Event?>(null);
            }
        }
    }

    private async Task StopCoreAsync(CancellationToken cancellationToken)
    {
        _state = EventBusState.Stopping;
        var subscriptions = _registry.All;
        Log.BusStopping(_logger, subscriptions.Sum(s => s.QueuedCount), _options.DrainTimeout);
        foreach (var subscription in subscriptions)
        {
            subscription.CompleteIntake();
        }

        var drained = Task.WhenAll(subscriptions.Select(s => s.Completion));
        try
        {
            await drained.WaitAsync(_options.DrainTimeout, _timeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            Log.DrainTimedOut(_logger, subscriptions.Sum(s => s.QueuedCount + s.InFlightCount));
            await _abort.CancelAsync().ConfigureAwait(false);
            try
            {
                await drained.WaitAsync(DispatchConstants.AbortGracePeriod, _timeProvider).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                Log.HandlersIgnoredCancellation(_logger, subscriptions.Count(s => !s.Completion.IsCompleted));
            }
        }

        _state = EventBusState.Stopped;
        Log.BusStopped(_logger);
    }
}
