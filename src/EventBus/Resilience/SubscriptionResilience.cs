using EventBus.Diagnostics;
using EventBus.Dispatch;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace EventBus.Resilience;

/// <summary>
/// The failure policy of one subscription: a Polly pipeline (operation timeout → retry → circuit breaker → attempt
/// timeout → handler) built with the bus's <see cref="TimeProvider"/>, plus the optional fallback. While the circuit is
/// open the delivering worker waits (its events stay queued) and then retries the same event as the half-open probe.
/// </summary>
internal sealed class SubscriptionResilience
{
    /// <summary>Where a pipeline execution finds the delivery it runs for.</summary>
    internal static readonly ResiliencePropertyKey<Delivery> DeliveryKey = new("EventBus.Delivery");

    private readonly ResiliencePipeline _pipeline;
    private readonly CircuitBreakerStateProvider? _breaker;
    private readonly Func<OnFallbackArguments, ValueTask>? _fallback;
    private readonly string _subscriptionName;
    private readonly int _maxAttempts;
    private readonly TimeSpan _breakDuration;
    private readonly TimeSpan? _operationTimeout;
    private readonly TimeProvider _timeProvider;
    private readonly EventBusMetrics _metrics;
    private readonly ILogger _logger;

    private SubscriptionResilience(string subscriptionName, ResilienceOptions options, Func<OnFallbackArguments, ValueTask>? fallback, TimeProvider timeProvider, EventBusMetrics metrics, ILogger logger)
    {
        _subscriptionName = subscriptionName;
        _fallback = options.FallbackEnabled ? fallback : null;
        _maxAttempts = options.Retry.MaxRetryAttempts + 1;
        _breakDuration = options.CircuitBreaker.BreakDuration;
        _timeProvider = timeProvider;
        _metrics = metrics;
        _logger = logger;

        // The operation limit wraps each pipeline execution (see ExecuteAsync): it is the token of the execution's context,
        // which only code outside the pipeline can choose.
        _operationTimeout = options.OperationTimeout;
        var builder = new ResiliencePipelineBuilder { TimeProvider = timeProvider, Name = subscriptionName };

        if (options.Retry.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.Retry.MaxRetryAttempts,
                Delay = options.Retry.Delay,
                MaxDelay = options.Retry.MaxDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = options.Retry.UseJitter,
                ShouldHandle = args => new ValueTask<bool>(ShouldRetry(args.Outcome.Exception, args.Context)),
                OnRetry = args =>
                {
                    var delivery = args.Context.Properties.GetValue(DeliveryKey, null!);
                    _metrics.Retried(delivery.Event.Type, _subscriptionName);
                    Log.HandlerRetrying(_logger, _subscriptionName, delivery.Event.Id, delivery.Event.Type, args.AttemptNumber + 1, args.RetryDelay, args.Outcome.Exception);
                    return default;
                },
            });
        }

        if (options.CircuitBreaker.Enabled)
        {
            _breaker = new CircuitBreakerStateProvider();
            builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = options.CircuitBreaker.FailureRatio,
                MinimumThroughput = options.CircuitBreaker.MinimumThroughput,
                SamplingDuration = options.CircuitBreaker.SamplingDuration,
                BreakDuration = options.CircuitBreaker.BreakDuration,
                StateProvider = _breaker,
                ShouldHandle = args => new ValueTask<bool>(IsHandlerFailure(args.Outcome.Exception, args.Context)),
                OnOpened = args =>
                {
                    Log.CircuitOpened(_logger, _subscriptionName, args.BreakDuration, args.Outcome.Exception);
                    return default;
                },
                OnHalfOpened = _ =>
                {
                    Log.CircuitHalfOpened(_logger, _subscriptionName);
                    return default;
                },
                OnClosed = _ =>
                {
                    Log.CircuitClosed(_logger, _subscriptionName);
                    return default;
                },
            });
        }

        if (options.AttemptTimeout is { } attemptTimeout)
        {
            builder.AddStrategy(_ => new AttemptTimeoutStrategy(attemptTimeout, timeProvider));
        }

        _pipeline = builder.Build();
    }

    /// <summary>Gets the circuit state, or <see langword="null"/> when the subscription has no circuit breaker.</summary>
    public CircuitState? CircuitState => _breaker?.CircuitState;

    /// <summary>Builds the policy, or returns <see langword="null"/> when there is nothing to apply, so the worker
    /// calls the handler directly.</summary>
    public static SubscriptionResilience? Create(string subscriptionName, ResilienceOptions options, Func<OnFallbackArguments, ValueTask>? fallback, TimeProvider timeProvider, EventBusMetrics metrics, ILogger logger)
    {
        var hasFallback = fallback is not null && options.FallbackEnabled;
        var hasPolicy = options.Retry.MaxRetryAttempts > 0
            || options.AttemptTimeout is not null
            || options.OperationTimeout is not null
            || options.CircuitBreaker.Enabled;
        if (!options.Enabled || !(hasPolicy || hasFallback))
        {
            return null;
        }

        return new SubscriptionResilience(subscriptionName, options, fallback, timeProvider, metrics, logger);
    }

    /// <summary>Creates the reusable trip state of one delivering slot.</summary>
    public Delivery CreateDelivery(Func<Event, CancellationToken, ValueTask> handler, CancellationToken abort) => new(handler, this, abort);

    /// <summary>Handles one event through the pipeline, using the slot's trip state from <see cref="CreateDelivery"/>
    /// (one event at a time); never throws.</summary>
    public async ValueTask<DeliveryResult> ExecuteAsync(Delivery delivery, Event @event, PriorityLanes lanes, CancellationToken abort)
    {
        delivery.Begin(@event);
        try
        {
            while (true)
            {
                var limit = _operationTimeout is null
                    ? default
                    : DeferredTimeout.Start(delivery.Timeouts, TimeoutSlot.Operation, abort, _timeProvider);
                var context = ResilienceContextPool.Shared.Get(limit.IsActive ? limit.Token : abort);
                context.Properties.Set(DeliveryKey, delivery);
                Exception? exception;
                try
                {
                    var pending = _pipeline.ExecuteOutcomeAsync(static (ctx, d) => d.AttemptAsync(ctx), context, delivery);
                    if (!pending.IsCompleted && limit.IsActive)
                    {
                        limit.Arm(_operationTimeout!.Value);
                    }

                    exception = (await pending.ConfigureAwait(false)).Exception;
                }
                finally
                {
                    ResilienceContextPool.Shared.Return(context);
                }

                if (limit.IsActive)
                {
                    exception = limit.End(exception, _operationTimeout!.Value);
                }

                switch (exception)
                {
                    case null:
                        return DeliveryResult.Handled(delivery.Attempts);
                    case EventPayloadMismatchException:
                        return new DeliveryResult(DeliveryOutcome.Unreadable, delivery.Attempts, exception);
                    case OperationCanceledException when abort.IsCancellationRequested:
                        return new DeliveryResult(DeliveryOutcome.Cancelled, delivery.Attempts, exception);
                    case BrokenCircuitException broken:
                        if (_fallback is not null)
                        {
                            return await FallbackAsync(delivery, FallbackReason.CircuitOpen, delivery.LastFailure, abort).ConfigureAwait(false);
                        }

                        if (delivery.Attempts >= _maxAttempts)
                        {
                            // This event has used its whole budget (it may be what opened the circuit): do not hold the
                            // subscription hostage to it.
                            return new DeliveryResult(DeliveryOutcome.Failed, delivery.Attempts, delivery.LastFailure ?? broken);
                        }

                        if (!await PauseAsync(@event, broken, lanes, abort).ConfigureAwait(false))
                        {
                            return new DeliveryResult(DeliveryOutcome.Cancelled, delivery.Attempts, delivery.LastFailure);
                        }

                        continue;
                    default:
                        return _fallback is not null
                            ? await FallbackAsync(delivery, FallbackReason.RetriesExhausted, exception, abort).ConfigureAwait(false)
                            : new DeliveryResult(DeliveryOutcome.Failed, delivery.Attempts, exception);
                }
            }
        }
        finally
        {
            delivery.End();
        }
    }

    private static bool IsHandlerFailure(Exception? exception, ResilienceContext context) =>
        exception is not (null or EventPayloadMismatchException or BrokenCircuitException)
        && !(exception is OperationCanceledException && context.CancellationToken.IsCancellationRequested);

    private bool ShouldRetry(Exception? exception, ResilienceContext context) =>
        IsHandlerFailure(exception, context)
        && context.Properties.GetValue(DeliveryKey, null!).Attempts < _maxAttempts;

    /// <summary>Waits out the open circuit; the delay exists before the log line, so a test clock that advances on
    /// the log always finds it. Returns false when the bus gave up draining meanwhile.</summary>
    private async ValueTask<bool> PauseAsync(Event @event, BrokenCircuitException broken, PriorityLanes lanes, CancellationToken abort)
    {
        var delay = broken.RetryAfter is { } retryAfter && retryAfter > TimeSpan.Zero ? retryAfter : _breakDuration;
        var wait = Task.Delay(delay, _timeProvider, abort);
        Log.SubscriptionPaused(_logger, _subscriptionName, delay, @event.Id, lanes.Count);
        try
        {
            await wait.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }

        Log.SubscriptionResumed(_logger, _subscriptionName, @event.Id);
        return true;
    }

    private async ValueTask<DeliveryResult> FallbackAsync(Delivery delivery, FallbackReason reason, Exception? failure, CancellationToken abort)
    {
        var @event = delivery.Event;
        _metrics.Fallback(@event.Type, _subscriptionName, reason);
        try
        {
            await _fallback!(new OnFallbackArguments(@event, _subscriptionName, reason, failure, delivery.Attempts, abort)).ConfigureAwait(false);
            Log.FallbackHandled(_logger, _subscriptionName, @event.Id, @event.Type, reason);
            return new DeliveryResult(DeliveryOutcome.HandledByFallback, delivery.Attempts, failure);
        }
        catch (OperationCanceledException ex) when (abort.IsCancellationRequested)
        {
            return new DeliveryResult(DeliveryOutcome.Cancelled, delivery.Attempts, ex);
        }
        catch (Exception ex)
        {
            Log.FallbackFailed(_logger, _subscriptionName, @event.Id, @event.Type, ex);
            return new DeliveryResult(DeliveryOutcome.Failed, delivery.Attempts, failure ?? ex);
        }
    }

    /// <summary>
    /// One delivering slot's trip state through the pipeline: the event being delivered, its attempts so far and its
    /// last handler failure. A slot delivers one event at a time, so it keeps one instance and reuses it per event.
    /// </summary>
    internal sealed class Delivery(Func<Event, CancellationToken, ValueTask> handler, SubscriptionResilience owner, CancellationToken abort)
    {
        public Event Event { get; private set; } = null!;

        public int Attempts { get; private set; }

        public Exception? LastFailure { get; private set; }

        /// <summary>Gets the cancellation sources the slot's time limits reuse across events.</summary>
        public TimeoutSources Timeouts { get; } = new();

        /// <summary>Gets or sets the token of the running attempt's time limit, when the pipeline has one; the handler
        /// observes it instead of the pipeline context's token.</summary>
        public CancellationToken? HandlerToken { get; set; }

        /// <summary>Starts the trip of the next event.</summary>
        public void Begin(Event @event)
        {
            Event = @event;
            Attempts = 0;
            LastFailure = null;
        }

        /// <summary>Clears the references of the finished trip, so the slot does not keep the event alive.</summary>
        public void End()
        {
            Event = null!;
            LastFailure = null;
        }

        public ValueTask<Outcome<bool>> AttemptAsync(ResilienceContext context)
        {
            Attempts++;
            var metrics = owner._metrics;
            var started = metrics.RecordsHandlerDuration ? owner._timeProvider.GetTimestamp() : 0;
            var token = HandlerToken ?? context.CancellationToken;
            ValueTask pending;
            try
            {
                pending = handler(Event, token);
            }
            catch (Exception ex)
            {
                return new ValueTask<Outcome<bool>>(Failed(ex, token, started));
            }

            if (pending.IsCompletedSuccessfully)
            {
                // The common case: the handler finished synchronously; no state machine for it.
                pending.GetAwaiter().GetResult();
                Succeeded(started);
                return new ValueTask<Outcome<bool>>(Outcome.FromResult(true));
            }

            return AwaitAttemptAsync(pending, context, token, started);
        }

        private async ValueTask<Outcome<bool>> AwaitAttemptAsync(ValueTask pending, ResilienceContext context, CancellationToken token, long started)
        {
            try
            {
                await pending.ConfigureAwait(context.ContinueOnCapturedContext);
            }
            catch (Exception ex)
            {
                return Failed(ex, token, started);
            }

            Succeeded(started);
            return Outcome.FromResult(true);
        }

        private void Succeeded(long started)
        {
            var metrics = owner._metrics;
            if (started != 0)
            {
                metrics.HandlerDuration(Event.Type, owner._subscriptionName, owner._timeProvider.GetElapsedTime(started), success: true);
            }
        }

        private Outcome<bool> Failed(Exception ex, CancellationToken token, long started)
        {
            var metrics = owner._metrics;
            if (started != 0)
            {
                metrics.HandlerDuration(Event.Type, owner._subscriptionName, owner._timeProvider.GetElapsedTime(started), success: false);
            }

            if (ex is not EventPayloadMismatchException)
            {
                // A cancellation the bus did not ask for is a timeout: record it as one. Polly still gets the
                // original exception, which is how its timeout strategy recognises its own cancellation.
                var failure = ex is OperationCanceledException && token.IsCancellationRequested && !abort.IsCancellationRequested
                    ? new TimeoutRejectedException("The handler did not complete within its timeout.", ex)
                    : ex;
                metrics.Failed(Event.Type, owner._subscriptionName, failure);
                LastFailure = failure;
            }

            return Outcome.FromException<bool>(ex);
        }
    }
}
