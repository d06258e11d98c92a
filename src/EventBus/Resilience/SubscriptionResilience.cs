using EventBus.Diagnostics;
using EventBus.Dispatch;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace EventBus.Resilience;

/// <summary>
/// The failure policy of one subscription: attempt and operation time limits, retries, a circuit breaker and the
/// optional fallback, in the bus's <see cref="TimeProvider"/>. While the circuit is open the delivering worker waits (its
/// events stay queued) and then retries the same event as the half-open probe.
/// </summary>
/// <remarks>
/// <para>Nothing fails most of the time, so the first attempt of an event is a direct call of the handler while the
/// circuit is closed: one pooled cancellation source whose timer starts only if the handler goes asynchronous (see
/// <see cref="DeferredTimeout"/>), and a success reported to the <see cref="Circuit"/>. Only a failed first attempt
/// engages the Polly pipeline (retry → attempt timeout → handler), which replays that failure as its own first attempt,
/// so backoff, jitter and attempt numbering are Polly's, as if it had run from the start.</para>
/// <para>The operation limit (all attempts and delays of one event) is measured from the first attempt, across the
/// switch to the pipeline.</para>
/// <para>A subscription given its own pipeline (<see cref="SubscriptionOptions.ResiliencePipeline"/>) runs every event
/// through it from the first attempt: the bus adds no retry, limit or circuit of its own, and only maps what the
/// pipeline returns to an outcome.</para>
/// </remarks>
internal sealed class SubscriptionResilience
{
    /// <summary>Where a pipeline execution finds the delivery it runs for.</summary>
    internal static readonly ResiliencePropertyKey<Delivery> DeliveryKey = new("EventBus.Delivery");

    // What an attempt that succeeded returns through the pipeline: a reference, so no outcome boxes a value.
    private static readonly object Succeeded = new();

    private readonly ResiliencePipeline _pipeline;
    private readonly Circuit? _circuit;
    private readonly Func<OnFallbackArguments, ValueTask>? _fallback;
    private readonly string _subscriptionName;
    private readonly int _maxAttempts;
    private readonly TimeSpan _breakDuration;
    private readonly TimeSpan? _operationTimeout;
    private readonly TimeSpan? _firstAttemptLimit;
    private readonly bool _firstAttemptLimitIsOperation;
    private readonly TimeProvider _timeProvider;

    // The user's own pipeline: every attempt goes through it, and none of the bus's strategies apply.
    private readonly bool _userPipeline;

    // How many of the subscription's slots are waiting out an open circuit right now.
    private int _paused;

    // Reads when limits start and when successes happen: the coarse clock in place of the system one.
    private readonly TimeProvider _limitClock;
    private readonly EventBusMetrics _metrics;
    private readonly ILogger _logger;

    private SubscriptionResilience(string subscriptionName, ResilienceOptions options, Func<OnFallbackArguments, ValueTask>? fallback, TimeProvider timeProvider, EventBusMetrics metrics, ILogger logger)
        : this(subscriptionName, options, fallback, timeProvider, metrics, logger, maxAttempts: options.Retry.MaxRetryAttempts + 1)
    {
        // The operation limit wraps each pipeline execution (see ExecuteAsync): it is the token of the execution's context,
        // which only code outside the pipeline can choose.
        _operationTimeout = options.OperationTimeout;

        // The first attempt runs under one limit: the shorter of the two, since both start with it.
        _firstAttemptLimitIsOperation = options.OperationTimeout is { } operation
            && (options.AttemptTimeout is not { } attempt || operation <= attempt);
        _firstAttemptLimit = _firstAttemptLimitIsOperation ? options.OperationTimeout : options.AttemptTimeout;

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
            _circuit = new Circuit(options.CircuitBreaker, subscriptionName, _limitClock, logger);
        }

        if (options.AttemptTimeout is { } attemptTimeout)
        {
            builder.AddStrategy(_ => new AttemptTimeoutStrategy(attemptTimeout, _limitClock));
        }

        _pipeline = builder.Build();
    }

    // The pipeline decides how often to try; an open circuit in it pauses the subscription, never spends a budget.
    private SubscriptionResilience(string subscriptionName, ResiliencePipeline pipeline, ResilienceOptions options, Func<OnFallbackArguments, ValueTask>? fallback, TimeProvider timeProvider, EventBusMetrics metrics, ILogger logger)
        : this(subscriptionName, options, fallback, timeProvider, metrics, logger, maxAttempts: int.MaxValue)
    {
        _pipeline = pipeline;
        _userPipeline = true;
    }

    /// <summary>Sets what both kinds of policy share.</summary>
    private SubscriptionResilience(string subscriptionName, ResilienceOptions options, Func<OnFallbackArguments, ValueTask>? fallback, TimeProvider timeProvider, EventBusMetrics metrics, ILogger logger, int maxAttempts)
    {
        _subscriptionName = subscriptionName;
        _fallback = options.FallbackEnabled ? fallback : null;
        _maxAttempts = maxAttempts;
        _breakDuration = options.CircuitBreaker.BreakDuration;
        _timeProvider = timeProvider;
        _limitClock = CoarseTimeProvider.For(timeProvider);
        _metrics = metrics;
        _logger = logger;
        _pipeline = ResiliencePipeline.Empty; // replaced by the calling constructor: built from the options, or the user's
    }

    /// <summary>Gets the circuit state, or <see langword="null"/> when the subscription has no circuit breaker. With
    /// the user's own pipeline, whose circuit the bus cannot see, it is <see cref="CircuitState.Open"/> while the
    /// subscription waits out a <see cref="BrokenCircuitException"/>, and <see cref="CircuitState.Closed"/>
    /// otherwise.</summary>
    public CircuitState? CircuitState => _circuit?.State
        ?? (_userPipeline ? (Volatile.Read(ref _paused) > 0 ? Polly.CircuitBreaker.CircuitState.Open : Polly.CircuitBreaker.CircuitState.Closed) : null);

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

    /// <summary>Builds the policy of a subscription that brought its own pipeline: the pipeline runs every attempt;
    /// <paramref name="options"/> supplies only the pause of an open circuit and whether the fallback is used.</summary>
    public static SubscriptionResilience CreateWithPipeline(string subscriptionName, ResiliencePipeline pipeline, ResilienceOptions options, Func<OnFallbackArguments, ValueTask>? fallback, TimeProvider timeProvider, EventBusMetrics metrics, ILogger logger) =>
        new(subscriptionName, pipeline, options, fallback, timeProvider, metrics, logger);

    /// <summary>Creates the reusable trip state of one delivering slot.</summary>
    public Delivery CreateDelivery(Func<Event, CancellationToken, ValueTask> handler, CancellationToken abort) => new(handler, this, abort);

    /// <summary>Handles one event, using the slot's trip state from <see cref="CreateDelivery"/> (one event at a time);
    /// never throws. Completes synchronously when the handler did and succeeded at the first attempt.</summary>
    public ValueTask<DeliveryResult> ExecuteAsync(Delivery delivery, Event @event, PriorityLanes lanes, CancellationToken abort)
    {
        delivery.Begin(@event);
        if (_userPipeline)
        {
            return FinishAsync(delivery, RunPipelineAsync(delivery, @event, lanes, abort, 0));
        }

        if (_circuit is { IsClosed: false })
        {
            return FinishAsync(delivery, RunPipelineAsync(delivery, @event, lanes, abort, _limitClock.GetTimestamp()));
        }

        var limit = _firstAttemptLimit is null
            ? default
            : DeferredTimeout.Start(delivery.Timeouts, TimeoutSlot.Attempt, abort, _limitClock);

        // The limit's start is the operation's; without a limit, only the circuit needs the time.
        var firstStarted = limit.IsActive ? limit.Started : _circuit is null ? 0 : _limitClock.GetTimestamp();
        var pending = delivery.CallHandler(limit.IsActive ? limit.Token : abort, out var handlerStarted);
        if (pending.IsCompletedSuccessfully)
        {
            pending.GetAwaiter().GetResult();
            if (limit.IsActive)
            {
                limit.End(null, _firstAttemptLimit!.Value);
            }

            delivery.OnSucceeded(handlerStarted);
            _circuit?.OnSuccess(firstStarted);
            delivery.End();
            return new ValueTask<DeliveryResult>(DeliveryResult.Handled(1));
        }

        if (limit.IsActive && !pending.IsCompleted)
        {
            limit.Arm(_firstAttemptLimit!.Value);
        }

        return FinishAsync(delivery, ContinueFirstAttemptAsync(delivery, pending, limit, handlerStarted, firstStarted, lanes, abort));
    }

    private static async ValueTask<DeliveryResult> FinishAsync(Delivery delivery, ValueTask<DeliveryResult> pending)
    {
        try
        {
            return await pending.ConfigureAwait(false);
        }
        finally
        {
            delivery.End();
        }
    }

    /// <summary>The first attempt went asynchronous (or failed): awaits it under its limit and, when it failed, goes on
    /// with the pipeline, which retries.</summary>
    private async ValueTask<DeliveryResult> ContinueFirstAttemptAsync(Delivery delivery, ValueTask pending, DeferredTimeout limit, long handlerStarted, long firstStarted, PriorityLanes lanes, CancellationToken abort)
    {
        Exception? exception = null;
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            exception = ex;
        }

        var operationTimedOut = false;
        if (limit.IsActive)
        {
            var ended = limit.End(exception, _firstAttemptLimit!.Value);
            operationTimedOut = _firstAttemptLimitIsOperation && !ReferenceEquals(ended, exception);
            exception = ended;
        }

        if (exception is null)
        {
            delivery.OnSucceeded(handlerStarted);
            _circuit?.OnSuccess(_limitClock.GetTimestamp());
            return DeliveryResult.Handled(1);
        }

        var token = limit.IsActive ? limit.Token : abort;
        delivery.OnFailed(exception, token, handlerStarted);
        switch (exception)
        {
            case EventPayloadMismatchException:
                _circuit?.OnSuccess(_limitClock.GetTimestamp());
                return new DeliveryResult(DeliveryOutcome.Unreadable, 1, exception);
            case OperationCanceledException when abort.IsCancellationRequested:
                _circuit?.OnSuccess(_limitClock.GetTimestamp());
                return new DeliveryResult(DeliveryOutcome.Cancelled, 1, exception);
        }

        if (operationTimedOut)
        {
            // The whole operation's time is used up by its first attempt: like the operation limit around the pipeline,
            // this is not a failure the breaker counts, and nothing is retried.
            return await ExhaustedAsync(delivery, exception, abort).ConfigureAwait(false);
        }

        _circuit?.OnFailure(exception);
        if (delivery.Attempts >= _maxAttempts)
        {
            return await ExhaustedAsync(delivery, exception, abort).ConfigureAwait(false);
        }

        delivery.ReplayFailure = exception;
        return await RunPipelineAsync(delivery, delivery.Event, lanes, abort, firstStarted).ConfigureAwait(false);
    }

    /// <summary>Runs the pipeline (retries, attempt limits, the circuit) until the event has an outcome, pausing while the
    /// circuit is open.</summary>
    /// <remarks>The operation limit of the first run is measured from <c>operationStarted</c>: the first attempt, which
    /// may have run before the pipeline.</remarks>
    private async ValueTask<DeliveryResult> RunPipelineAsync(Delivery delivery, Event @event, PriorityLanes lanes, CancellationToken abort, long operationStarted)
    {
        while (true)
        {
            var limit = _operationTimeout is null
                ? default
                : DeferredTimeout.Start(delivery.Timeouts, TimeoutSlot.Operation, abort, _limitClock, operationStarted == 0 ? _limitClock.GetTimestamp() : operationStarted);
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

                // An unreadable payload comes back as a result, so no retry strategy (ours or the user's) repeats it.
                var outcome = await pending.ConfigureAwait(false);
                exception = outcome.Exception ?? outcome.Result as EventPayloadMismatchException;
            }
            catch (Exception ex) when (_userPipeline)
            {
                // A user's strategy that throws instead of returning an outcome: the attempt failed with it.
                exception = ex;
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

                    // A later run has an operation limit of its own, from now.
                    operationStarted = _limitClock.GetTimestamp();
                    continue;
                default:
                    return await ExhaustedAsync(delivery, exception, abort).ConfigureAwait(false);
            }
        }
    }

    /// <summary>No attempt is left: the fallback handles the event when there is one; otherwise it failed.</summary>
    private ValueTask<DeliveryResult> ExhaustedAsync(Delivery delivery, Exception exception, CancellationToken abort) =>
        _fallback is not null
            ? FallbackAsync(delivery, FallbackReason.RetriesExhausted, exception, abort)
            : new ValueTask<DeliveryResult>(new DeliveryResult(DeliveryOutcome.Failed, delivery.Attempts, exception));

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
        Interlocked.Increment(ref _paused);
        Log.SubscriptionPaused(_logger, _subscriptionName, delay, @event.Id, lanes.Count);
        try
        {
            await wait.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        finally
        {
            Interlocked.Decrement(ref _paused);
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
    /// One delivering slot's trip state: the event being delivered, its attempts so far and its last handler failure.
    /// A slot delivers one event at a time, so it keeps one instance and reuses it per event.
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

        /// <summary>Gets or sets the failure of the attempt made before the pipeline ran, which the pipeline's first
        /// attempt returns instead of calling the handler again.</summary>
        public Exception? ReplayFailure { get; set; }

        /// <summary>Starts the trip of the next event.</summary>
        public void Begin(Event @event)
        {
            Event = @event;
            Attempts = 0;
            LastFailure = null;
            ReplayFailure = null;
        }

        /// <summary>Clears the references of the finished trip, so the slot does not keep the event alive.</summary>
        public void End()
        {
            Event = null!;
            LastFailure = null;
            ReplayFailure = null;
        }

        /// <summary>Makes one attempt: calls the handler; a synchronous throw comes back as a faulted task.</summary>
        public ValueTask CallHandler(CancellationToken token, out long started)
        {
            Attempts++;
            started = owner._metrics.RecordsHandlerDuration ? owner._timeProvider.GetTimestamp() : 0;
            try
            {
                return handler(Event, token);
            }
            catch (Exception ex)
            {
                return ValueTask.FromException(ex);
            }
        }

        /// <summary>The pipeline's callback: one attempt, asked of the circuit first and reported to it after.</summary>
        public ValueTask<Outcome<object>> AttemptAsync(ResilienceContext context)
        {
            if (ReplayFailure is { } replayed)
            {
                // Made, counted and reported before the pipeline ran.
                ReplayFailure = null;
                return new ValueTask<Outcome<object>>(Outcome.FromException<object>(replayed));
            }

            var circuit = owner._circuit;
            if (circuit is not null && !circuit.TryEnter(out var retryAfter))
            {
                var broken = retryAfter is { } after
                    ? new BrokenCircuitException("The circuit is open.", after)
                    : new BrokenCircuitException("The circuit is half-open and its probe is running.");
                return new ValueTask<Outcome<object>>(Outcome.FromException<object>(broken));
            }

            var token = HandlerToken ?? context.CancellationToken;
            var pending = CallHandler(token, out var started);
            if (pending.IsCompletedSuccessfully)
            {
                // The common case: the handler finished synchronously; no state machine for it.
                pending.GetAwaiter().GetResult();
                OnSucceeded(started);
                circuit?.OnSuccess(owner._limitClock.GetTimestamp());
                return new ValueTask<Outcome<object>>(Outcome.FromResult(Succeeded));
            }

            return AwaitAttemptAsync(pending, context, token, started);
        }

        /// <summary>Records a successful attempt's duration.</summary>
        public void OnSucceeded(long started)
        {
            if (started != 0)
            {
                owner._metrics.HandlerDuration(Event.Type, owner._subscriptionName, owner._timeProvider.GetElapsedTime(started), success: true);
            }
        }

        /// <summary>Records a failed attempt: its duration, the failure metric and <see cref="LastFailure"/>.</summary>
        public void OnFailed(Exception ex, CancellationToken token, long started)
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
        }

        private async ValueTask<Outcome<object>> AwaitAttemptAsync(ValueTask pending, ResilienceContext context, CancellationToken token, long started)
        {
            try
            {
                await pending.ConfigureAwait(context.ContinueOnCapturedContext);
            }
            catch (Exception ex)
            {
                return Failed(ex, context, token, started);
            }

            OnSucceeded(started);
            owner._circuit?.OnSuccess(owner._limitClock.GetTimestamp());
            return Outcome.FromResult(Succeeded);
        }

        private Outcome<object> Failed(Exception ex, ResilienceContext context, CancellationToken token, long started)
        {
            OnFailed(ex, token, started);
            if (owner._circuit is { } circuit)
            {
                if (IsHandlerFailure(ex, context))
                {
                    circuit.OnFailure(ex);
                }
                else
                {
                    circuit.OnSuccess(owner._limitClock.GetTimestamp());
                }
            }

            return ex is EventPayloadMismatchException ? Outcome.FromResult<object>(ex) : Outcome.FromException<object>(ex);
        }
    }
}
