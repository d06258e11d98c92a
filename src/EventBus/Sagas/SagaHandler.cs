namespace EventBus.Sagas;

/// <summary>One event type a saga reacts to: how it finds the instance, when it applies, and what it does.</summary>
internal abstract class SagaHandler<TState>
    where TState : class, new()
{
    protected SagaHandler(bool startsSaga) => StartsSaga = startsSaga;

    public abstract Type PayloadType { get; }

    /// <summary>Gets a value indicating whether the event starts a new instance.</summary>
    public bool StartsSaga { get; }

    public OutOfOrderPolicy OutOfOrderPolicy { get; set; } = OutOfOrderPolicy.Park;

    /// <summary>Gets or sets the steps the handler expects the instance in; <see langword="null"/> for any step.</summary>
    public IReadOnlyList<string>? ExpectedSteps { get; set; }

    /// <summary>Gets the correlation key of an event: from its payload when the saga correlates this event by a
    /// payload property, otherwise its correlation id.</summary>
    protected abstract string? KeyOf(Event @event);

    public abstract ValueTask InvokeAsync(SagaContext<TState> context, Event @event, CancellationToken cancellationToken);

    /// <summary>Gets the instance an event belongs to; <see langword="null"/> when it names none.</summary>
    public string? CorrelationKeyOf(string sagaName, Event @event)
    {
        // A timeout names its instance itself, whatever the saga correlates its other events by.
        if (@event.Headers.TryGetValue(SagaConstants.SagaHeader, out var saga)
            && string.Equals(saga, sagaName, StringComparison.Ordinal)
            && @event.Headers.TryGetValue(SagaConstants.KeyHeader, out var key))
        {
            return key;
        }

        var resolved = KeyOf(@event);
        return string.IsNullOrEmpty(resolved) ? null : resolved;
    }

    /// <summary>Gets a value indicating whether an instance in <paramref name="status"/> and
    /// <paramref name="step"/> is ready for this event.</summary>
    public bool Accepts(SagaStatus status, string? step) =>
        status is SagaStatus.Active or SagaStatus.Compensating
        && (ExpectedSteps is null || (step is not null && ExpectedSteps.Contains(step, StringComparer.Ordinal)));
}
