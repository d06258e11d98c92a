namespace EventBus.Sagas;

/// <summary>How to undo one completed step.</summary>
internal sealed record SagaCompensation<TState>(
    string Step,
    Func<SagaContext<TState>, CancellationToken, ValueTask> Compensate,
    bool AwaitsConfirmation)
    where TState : class, new();
