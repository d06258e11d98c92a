using EventBus.Dispatch;

namespace EventBus.Sagas;

internal sealed class SagaHandler<TState, TEvent>(
    bool startsSaga,
    Func<SagaContext<TState>, Event<TEvent>, CancellationToken, ValueTask> handler)
    : SagaHandler<TState>(startsSaga)
    where TState : class, new()
{
    public override Type PayloadType => typeof(TEvent);

    public Func<TEvent, string?>? CorrelateBy { get; set; }

    public override ValueTask InvokeAsync(SagaContext<TState> context, Event @event, CancellationToken cancellationToken) =>
        handler(context, EventHandlerDelegate.AsTyped<TEvent>(@event), cancellationToken);

    protected override string? KeyOf(Event @event) =>
        CorrelateBy is null ? @event.CorrelationId
        : @event.Payload is TEvent payload ? CorrelateBy(payload)
        : null;
}
