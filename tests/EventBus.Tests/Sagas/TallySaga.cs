namespace EventBus.Tests.Sagas;

[EventType("tally.opened")]
public sealed record TallyOpened(string TallyId);

[EventType("tally.bumped")]
public sealed record TallyBumped(string TallyId, bool Fail);

/// <summary>A mutable state, as users write it despite the advice to replace state rather than change it.</summary>
public sealed class TallyState
{
    public string? TallyId { get; set; }

    public int Count { get; set; }
}

/// <summary>A saga whose handlers change their state in place; a bump may throw after it changed the state.</summary>
public sealed class TallySaga : Saga<TallyState>
{
    public override void Configure(SagaBuilder<TallyState> saga)
    {
        saga.StartedBy<TallyOpened>((ctx, e) =>
        {
            ctx.State.TallyId = e.Payload.TallyId;
            ctx.State.Count = 1;
        }).CorrelateBy(p => p.TallyId);

        saga.Handles<TallyBumped>((ctx, e) =>
        {
            ctx.State.Count++;
            if (e.Payload.Fail)
            {
                throw new InvalidOperationException("The bump failed after it changed the state.");
            }
        }).CorrelateBy(p => p.TallyId);
    }
}
