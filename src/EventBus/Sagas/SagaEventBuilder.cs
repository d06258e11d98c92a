using EventBus.Sagas;

namespace EventBus;

/// <summary>Refines how a saga treats one event type: correlation, the steps it expects, and the out-of-order rule.</summary>
/// <typeparam name="TState">The saga's state.</typeparam>
/// <typeparam name="TEvent">The event payload type.</typeparam>
public sealed class SagaEventBuilder<TState, TEvent>
    where TState : class, new()
{
    private readonly SagaHandler<TState, TEvent> _handler;

    internal SagaEventBuilder(SagaHandler<TState, TEvent> handler) => _handler = handler;

    /// <summary>Maps the event to an instance by a payload property instead of <see cref="Event.CorrelationId"/>.</summary>
    /// <param name="correlationKey">Gets the key from the payload, such as <c>p =&gt; p.OrderId</c>. An event whose
    /// key is <see langword="null"/> or empty is ignored with a log line.</param>
    /// <returns>This builder.</returns>
    public SagaEventBuilder<TState, TEvent> CorrelateBy(Func<TEvent, string?> correlationKey)
    {
        ArgumentNullException.ThrowIfNull(correlationKey);
        _handler.CorrelateBy = correlationKey;
        return this;
    }

    /// <summary>Applies the event only while the instance is in one of <paramref name="steps"/>; earlier it is out of
    /// order and handled by the <see cref="WhenOutOfOrder"/> rule.</summary>
    /// <param name="steps">The step names the handler expects.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException">No step is given, or a step is empty.</exception>
    /// <exception cref="InvalidOperationException">The event starts the saga, so there is no step before it.</exception>
    public SagaEventBuilder<TState, TEvent> InStep(params string[] steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        if (_handler.StartsSaga)
        {
            throw new InvalidOperationException($"{typeof(TEvent).Name} starts the saga; a start event cannot wait for a step.");
        }

        if (steps.Length == 0 || steps.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("Give at least one non-empty step name.", nameof(steps));
        }

        _handler.ExpectedSteps = [.. steps];
        return this;
    }

    /// <summary>Sets what happens to the event when it arrives before the instance started or outside the steps it
    /// expects.</summary>
    /// <param name="policy">The rule; the default is <see cref="OutOfOrderPolicy.Park"/>.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="policy"/> is not defined.</exception>
    public SagaEventBuilder<TState, TEvent> WhenOutOfOrder(OutOfOrderPolicy policy)
    {
        if (!Enum.IsDefined(policy))
        {
            throw new ArgumentOutOfRangeException(nameof(policy), policy, "Out-of-order policy must be Park or Ignore.");
        }

        _handler.OutOfOrderPolicy = policy;
        return this;
    }
}
