namespace EventBus;

/// <summary>A long-running business flow driven by events: it declares its state, the events that start it, the
/// events it handles, how events map to an instance, and the compensations of its steps.</summary>
/// <typeparam name="TState">The state each instance keeps. Treat it as immutable: handlers replace it
/// (<c>context.State = context.State with { ... }</c>) rather than change it, because a handler can run again on a
/// fresh copy when another event changed the instance at the same time.</typeparam>
/// <remarks>
/// Register a saga with <c>AddEventBus().AddSaga&lt;OrderSaga, OrderState&gt;()</c>. One saga object serves every
/// instance at once, so keep per-instance data in the state, not in fields. Handlers are called again on a conflict,
/// so they should only decide: change the state, publish through the context (sent once the change is saved), and
/// schedule timeouts.
/// </remarks>
public abstract class Saga<TState>
    where TState : class, new()
{
    /// <summary>Gets the saga's name: the key of its instances in the store and the prefix of its subscriptions.</summary>
    /// <value>The default is the saga's CLR type name.</value>
    public virtual string Name => GetType().Name;

    /// <summary>Declares the saga's events, correlation, out-of-order rules and compensations.</summary>
    /// <param name="saga">The builder to declare them on.</param>
    public abstract void Configure(SagaBuilder<TState> saga);
}
