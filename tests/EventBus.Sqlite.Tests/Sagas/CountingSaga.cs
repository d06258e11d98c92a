namespace EventBus.Sqlite.Tests.Sagas;

/// <summary>A small saga for store tests: counts increments per counter and publishes each new count, so a test
/// awaits the published event instead of polling the store.</summary>
public sealed class CountingSaga : Saga<CountingState>
{
    public override void Configure(SagaBuilder<CountingState> saga)
    {
        saga.StartedBy<CounterStarted>((context, e) =>
        {
            context.TransitionTo("counting");
            context.Publish(new CounterCounted(e.Payload.CounterId, context.State.Count));
        }).CorrelateBy(p => p.CounterId);

        saga.Handles<CounterIncremented>((context, e) =>
        {
            context.State = context.State with { Count = context.State.Count + 1, Seen = [.. context.State.Seen, e.Id] };
            context.Publish(new CounterCounted(e.Payload.CounterId, context.State.Count));
        }).CorrelateBy(p => p.CounterId);
    }
}
