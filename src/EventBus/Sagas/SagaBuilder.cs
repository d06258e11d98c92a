using EventBus.Sagas;

namespace EventBus;

/// <summary>Declares a saga in <see cref="Saga{TState}.Configure"/>: the events that start it, the events it
/// handles, and the compensations of its steps.</summary>
/// <typeparam name="TState">The saga's state.</typeparam>
public sealed class SagaBuilder<TState>
    where TState : class, new()
{
    private readonly List<SagaHandler<TState>> _handlers = [];
    private readonly Dictionary<string, SagaCompensation<TState>> _compensations = new(StringComparer.Ordinal);
    private Func<SagaContext<TState>, CancellationToken, ValueTask>? _onCompensated;

    internal SagaBuilder()
    {
    }

    internal IReadOnlyList<SagaHandler<TState>> Handlers => _handlers;

    internal IReadOnlyDictionary<string, SagaCompensation<TState>> Compensations => _compensations;

    internal Func<SagaContext<TState>, CancellationToken, ValueTask>? CompensatedHandler => _onCompensated;

    /// <summary>Declares an event that starts a new instance. The same event for an instance that already started
    /// is ignored with a log line, so a duplicate start changes nothing.</summary>
    /// <typeparam name="TEvent">The payload type; it needs an event type name.</typeparam>
    /// <param name="handler">Handles the event on the new instance.</param>
    /// <returns>A builder to refine correlation.</returns>
    /// <exception cref="ArgumentException">The saga already declares <typeparamref name="TEvent"/>.</exception>
    public SagaEventBuilder<TState, TEvent> StartedBy<TEvent>(Func<SagaContext<TState>, Event<TEvent>, CancellationToken, ValueTask> handler) =>
        Add(true, handler);

    /// <summary>Declares an event that starts a new instance, with a synchronous handler.</summary>
    /// <typeparam name="TEvent">The payload type; it needs an event type name.</typeparam>
    /// <param name="handler">Handles the event on the new instance.</param>
    /// <returns>A builder to refine correlation.</returns>
    /// <exception cref="ArgumentException">The saga already declares <typeparamref name="TEvent"/>.</exception>
    public SagaEventBuilder<TState, TEvent> StartedBy<TEvent>(Action<SagaContext<TState>, Event<TEvent>> handler) =>
        Add(true, Synchronous(handler));

    /// <summary>Declares an event the saga handles on a started instance.</summary>
    /// <typeparam name="TEvent">The payload type; it needs an event type name.</typeparam>
    /// <param name="handler">Handles the event.</param>
    /// <returns>A builder to refine correlation, expected steps and the out-of-order rule.</returns>
    /// <exception cref="ArgumentException">The saga already declares <typeparamref name="TEvent"/>.</exception>
    public SagaEventBuilder<TState, TEvent> Handles<TEvent>(Func<SagaContext<TState>, Event<TEvent>, CancellationToken, ValueTask> handler) =>
        Add(false, handler);

    /// <summary>Declares an event the saga handles on a started instance, with a synchronous handler.</summary>
    /// <typeparam name="TEvent">The payload type; it needs an event type name.</typeparam>
    /// <param name="handler">Handles the event.</param>
    /// <returns>A builder to refine correlation, expected steps and the out-of-order rule.</returns>
    /// <exception cref="ArgumentException">The saga already declares <typeparamref name="TEvent"/>.</exception>
    public SagaEventBuilder<TState, TEvent> Handles<TEvent>(Action<SagaContext<TState>, Event<TEvent>> handler) =>
        Add(false, Synchronous(handler));

    /// <summary>Declares how to undo a step. Handlers mark the step done with
    /// <see cref="SagaContext{TState}.CompleteStep"/>; when the saga fails later
    /// (<see cref="SagaContext{TState}.Fail"/>), the completed steps are compensated latest first, each once. Completed
    /// steps without a compensation have nothing to undo and are skipped.</summary>
    /// <param name="step">The step name.</param>
    /// <param name="compensation">Undoes the step, usually by publishing a command through the context.</param>
    /// <param name="awaitsConfirmation"><see langword="true"/> to wait, before compensating earlier steps, until a
    /// handler calls <see cref="SagaContext{TState}.ConfirmCompensation"/> for this step.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="step"/> is empty or already has a compensation.</exception>
    public SagaBuilder<TState> Compensate(string step, Func<SagaContext<TState>, CancellationToken, ValueTask> compensation, bool awaitsConfirmation = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(step);
        ArgumentNullException.ThrowIfNull(compensation);
        if (!_compensations.TryAdd(step, new SagaCompensation<TState>(step, compensation, awaitsConfirmation)))
        {
            throw new ArgumentException($"Step '{step}' already has a compensation.", nameof(step));
        }

        return this;
    }

    /// <summary>Declares how to undo a step, with a synchronous compensation.</summary>
    /// <param name="step">The step name.</param>
    /// <param name="compensation">Undoes the step, usually by publishing a command through the context.</param>
    /// <param name="awaitsConfirmation"><see langword="true"/> to wait for <see cref="SagaContext{TState}.ConfirmCompensation"/>.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="step"/> is empty or already has a compensation.</exception>
    public SagaBuilder<TState> Compensate(string step, Action<SagaContext<TState>> compensation, bool awaitsConfirmation = false)
    {
        ArgumentNullException.ThrowIfNull(compensation);
        return Compensate(step, (context, _) =>
        {
            compensation(context);
            return default;
        }, awaitsConfirmation);
    }

    /// <summary>Runs once when every completed step has been compensated, as the saga ends
    /// <see cref="SagaStatus.Compensated"/> — for example to publish that the order was cancelled.</summary>
    /// <param name="handler">The handler.</param>
    /// <returns>This builder.</returns>
    public SagaBuilder<TState> OnCompensated(Action<SagaContext<TState>> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _onCompensated = (context, _) =>
        {
            handler(context);
            return default;
        };
        return this;
    }

    private static Func<SagaContext<TState>, Event<TEvent>, CancellationToken, ValueTask> Synchronous<TEvent>(Action<SagaContext<TState>, Event<TEvent>> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return (context, @event, _) =>
        {
            handler(context, @event);
            return default;
        };
    }

    private SagaEventBuilder<TState, TEvent> Add<TEvent>(bool startsSaga, Func<SagaContext<TState>, Event<TEvent>, CancellationToken, ValueTask> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (_handlers.Any(h => h.PayloadType == typeof(TEvent)))
        {
            throw new ArgumentException($"The saga already declares {typeof(TEvent).Name}; declare each event type once.", nameof(handler));
        }

        var typed = new SagaHandler<TState, TEvent>(startsSaga, handler);
        _handlers.Add(typed);
        return new SagaEventBuilder<TState, TEvent>(typed);
    }
}
