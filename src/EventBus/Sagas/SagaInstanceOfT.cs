namespace EventBus;

/// <summary>A saga instance with its state.</summary>
/// <typeparam name="TState">The saga's state; treat it as immutable (a record changed with <c>with</c>).</typeparam>
public sealed record SagaInstance<TState> : SagaInstance
    where TState : class
{
    /// <summary>Gets the saga's state.</summary>
    public required TState State { get; init; }
}
