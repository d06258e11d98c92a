using EventBus.Sagas;

namespace EventBus;

/// <summary>What a saga handler sees and changes: the instance's state, step and status, the event being handled, and
/// what to publish and schedule once the change is saved.</summary>
/// <typeparam name="TState">The saga's state.</typeparam>
/// <remarks>
/// Nothing a handler does through the context leaves the handler before the change is saved: published events and
/// timeouts are held back and sent only after the store accepted the new version. When another event changed the
/// instance at the same time, the handler runs again on a fresh context and what it held back is discarded.
/// </remarks>
public sealed class SagaContext<TState>
    where TState : class, new()
{
    private readonly SagaRun<TState> _run;

    internal SagaContext(SagaRun<TState> run) => _run = run;

    /// <summary>Gets the saga's name.</summary>
    public string SagaName => _run.Definition.Name;

    /// <summary>Gets the key of the instance.</summary>
    public string CorrelationKey => _run.CorrelationKey;

    /// <summary>Gets the event being handled (or, in a compensation, the event that led to it).</summary>
    public Event Event => _run.CurrentEvent;

    /// <summary>Gets or sets the instance's state. Replace it rather than change it
    /// (<c>context.State = context.State with { ... }</c>).</summary>
    /// <exception cref="ArgumentNullException">The value is <see langword="null"/>.</exception>
    public TState State
    {
        get => _run.State;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            _run.State = value;
        }
    }

    /// <summary>Gets the instance's status.</summary>
    public SagaStatus Status => _run.Status;

    /// <summary>Gets the step the instance is in.</summary>
    public string? CurrentStep => _run.CurrentStep;

    /// <summary>Gets the completed steps that have a compensation, in completion order.</summary>
    public IReadOnlyList<string> CompletedSteps => _run.CompletedSteps;

    /// <summary>Gets why the saga is compensating, if it is.</summary>
    public string? CompensationReason => _run.CompensationReason;

    /// <summary>Gets the current time from the bus's <see cref="TimeProvider"/>.</summary>
    public DateTimeOffset Now => _run.Now;

    /// <summary>Gets services from a scope that lives while the event is handled.</summary>
    public IServiceProvider Services => _run.Services;

    /// <summary>Moves the instance to a step; handlers declared with <c>InStep</c> and parked events wait for it.</summary>
    /// <param name="step">The step name.</param>
    /// <exception cref="ArgumentException"><paramref name="step"/> is empty.</exception>
    public void TransitionTo(string step)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(step);
        _run.CurrentStep = step;
    }

    /// <summary>Records that a step completed, so it is compensated if the saga fails later. A step without a declared
    /// compensation has nothing to undo: it is recorded (it shows in <see cref="SagaInstance.CompletedSteps"/>) and
    /// skipped when compensating. Completing a step twice records it once.</summary>
    /// <param name="step">The step name; its compensation, if any, is declared with
    /// <see cref="SagaBuilder{TState}.Compensate(string, Action{SagaContext{TState}}, bool)"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="step"/> is empty.</exception>
    public void CompleteStep(string step)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(step);
        if (!_run.CompletedSteps.Contains(step, StringComparer.Ordinal))
        {
            _run.CompletedSteps.Add(step);
        }
    }

    /// <summary>Publishes an event once the change is saved: the event (id included) is saved with the change in the
    /// instance's outbox, published, then cleared from it. It carries the correlation id of the event being handled
    /// and that event's id as causation id, unless <paramref name="options"/> sets them.</summary>
    /// <typeparam name="T">The payload type; it needs an event type name.</typeparam>
    /// <param name="payload">The payload.</param>
    /// <param name="options">Envelope attributes such as priority or subject.</param>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> has no event type name.</exception>
    public void Publish<T>(T payload, PublishOptions? options = null)
        where T : notnull
    {
        ArgumentNullException.ThrowIfNull(payload);
        _run.AddPublish(payload, options);
    }

    /// <summary>Schedules a timeout: <paramref name="payload"/> is published to this instance after
    /// <paramref name="delay"/>, through the bus's <see cref="TimeProvider"/>, unless it is cancelled or the saga
    /// finishes first. Scheduling a name again replaces the earlier timeout.</summary>
    /// <typeparam name="T">The payload type; the saga must handle it.</typeparam>
    /// <param name="name">The timeout's name, used to cancel it.</param>
    /// <param name="payload">The payload of the timeout event.</param>
    /// <param name="delay">How long from now.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delay"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">The saga does not handle <typeparamref name="T"/>, so the timeout
    /// would be lost.</exception>
    public void ScheduleTimeout<T>(string name, T payload, TimeSpan delay)
        where T : notnull
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        _run.ScheduleTimeout(name, payload, delay);
    }

    /// <summary>Cancels a scheduled timeout; nothing happens when there is none of that name.</summary>
    /// <param name="name">The timeout's name.</param>
    /// <returns><see langword="true"/> if a timeout was cancelled; otherwise, <see langword="false"/>.</returns>
    public bool CancelTimeout(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return _run.Timeouts.RemoveAll(t => string.Equals(t.Name, name, StringComparison.Ordinal)) > 0;
    }

    /// <summary>Ends the saga successfully; its pending timeouts are cancelled.</summary>
    /// <exception cref="InvalidOperationException">The saga is compensating or already finished.</exception>
    public void Complete()
    {
        if (_run.Status != SagaStatus.Active)
        {
            throw new InvalidOperationException($"Saga '{SagaName}' instance '{CorrelationKey}' is {_run.Status}; only an active saga can complete.");
        }

        _run.Finish(SagaStatus.Completed, SagaHistoryKind.Completed, note: null);
    }

    /// <summary>Fails the saga: once the handler returns, the completed steps are compensated latest first, and the
    /// saga ends <see cref="SagaStatus.Compensated"/> with <paramref name="reason"/>. Pending timeouts are cancelled.</summary>
    /// <param name="reason">Why the saga failed, kept with the instance.</param>
    /// <exception cref="InvalidOperationException">The saga is not active.</exception>
    public void Fail(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        if (_run.Status != SagaStatus.Active)
        {
            throw new InvalidOperationException($"Saga '{SagaName}' instance '{CorrelationKey}' is {_run.Status}; only an active saga can fail.");
        }

        _run.StartCompensation(reason);
    }

    /// <summary>Confirms that the compensation of a step declared with <c>awaitsConfirmation</c> took effect, so the
    /// earlier steps are compensated next. Confirming again, or confirming a step already compensated, does nothing.</summary>
    /// <param name="step">The step name.</param>
    /// <returns><see langword="true"/> if the step was awaiting its confirmation; otherwise, <see langword="false"/>.</returns>
    public bool ConfirmCompensation(string step)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(step);
        return _run.ConfirmCompensation(step);
    }
}
