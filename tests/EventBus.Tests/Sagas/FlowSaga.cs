namespace EventBus.Tests.Sagas;

[EventType("flow.started")]
public sealed record FlowStarted(string FlowId);

[EventType("flow.a-done")]
public sealed record ADone(string FlowId);

[EventType("flow.b-done")]
public sealed record BDone(string FlowId);

[EventType("flow.c-done")]
public sealed record CDone(string FlowId);

[EventType("flow.finished")]
public sealed record FlowFinished(string FlowId);

[EventType("flow.failed")]
public sealed record FlowFailed(string FlowId, string Reason);

[EventType("flow.incremented")]
public sealed record Incremented(string FlowId);

[EventType("flow.timed-out")]
public sealed record FlowTimedOut(string FlowId);

[EventType("flow.acknowledged")]
public sealed record FlowAcknowledged(string FlowId);

[EventType("flow.undo-requested")]
public sealed record UndoRequested(string FlowId, string Step);

[EventType("flow.undone")]
public sealed record Undone(string FlowId, string Step);

[EventType("flow.compensated")]
public sealed record FlowCompensated(string FlowId, string Reason);

[EventType("flow.completed")]
public sealed record FlowCompleted(string FlowId);

public sealed record FlowState
{
    public string? FlowId { get; init; }

    public int Count { get; init; }

    public IReadOnlyList<string> Done { get; init; } = [];

    public bool TimedOut { get; init; }
}

/// <summary>A saga with three compensable steps a → b → c, a deadline timeout, and every engine feature in reach.</summary>
public sealed class FlowSaga(TimeSpan? timeout = null, bool awaitUndoConfirmation = false, OutOfOrderPolicy stepPolicy = OutOfOrderPolicy.Park) : Saga<FlowState>
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(5);

    public override void Configure(SagaBuilder<FlowState> saga)
    {
        saga.StartedBy<FlowStarted>((ctx, e) =>
        {
            ctx.State = ctx.State with { FlowId = e.Payload.FlowId };
            ctx.TransitionTo("a");
            ctx.ScheduleTimeout("deadline", new FlowTimedOut(e.Payload.FlowId), timeout ?? DefaultTimeout);
            ctx.Publish(new FlowAcknowledged(e.Payload.FlowId));
        }).CorrelateBy(p => p.FlowId);

        saga.Handles<ADone>((ctx, e) =>
        {
            ctx.CancelTimeout("deadline");
            Step(ctx, "a", "b");
        }).CorrelateBy(p => p.FlowId).InStep("a").WhenOutOfOrder(stepPolicy);

        saga.Handles<BDone>((ctx, _) => Step(ctx, "b", "c"))
            .CorrelateBy(p => p.FlowId).InStep("b").WhenOutOfOrder(stepPolicy);

        saga.Handles<CDone>((ctx, _) => Step(ctx, "c", "done"))
            .CorrelateBy(p => p.FlowId).InStep("c").WhenOutOfOrder(stepPolicy);

        saga.Handles<FlowFinished>((ctx, e) =>
        {
            ctx.Complete();
            ctx.Publish(new FlowCompleted(e.Payload.FlowId));
        }).CorrelateBy(p => p.FlowId).InStep("done").WhenOutOfOrder(stepPolicy);

        saga.Handles<FlowFailed>((ctx, e) =>
        {
            if (ctx.Status == SagaStatus.Active)
            {
                ctx.Fail(e.Payload.Reason);
            }
        }).CorrelateBy(p => p.FlowId);

        saga.Handles<Incremented>((ctx, _) => ctx.State = ctx.State with { Count = ctx.State.Count + 1 })
            .CorrelateBy(p => p.FlowId);

        saga.Handles<FlowTimedOut>((ctx, _) =>
        {
            ctx.State = ctx.State with { TimedOut = true };
            if (ctx.Status == SagaStatus.Active)
            {
                ctx.Fail("deadline passed");
            }
        });

        saga.Handles<Undone>((ctx, e) => ctx.ConfirmCompensation(e.Payload.Step)).CorrelateBy(p => p.FlowId);

        foreach (var step in new[] { "a", "b", "c" })
        {
            saga.Compensate(step, ctx => ctx.Publish(new UndoRequested(ctx.State.FlowId!, step)), awaitUndoConfirmation);
        }

        saga.OnCompensated(ctx => ctx.Publish(new FlowCompensated(ctx.State.FlowId!, ctx.CompensationReason!)));
    }

    private static void Step(SagaContext<FlowState> ctx, string step, string next)
    {
        ctx.CompleteStep(step);
        ctx.State = ctx.State with { Done = [.. ctx.State.Done, step] };
        ctx.TransitionTo(next);
    }
}
