namespace EventBus.Sqlite.CrashHost;

/// <summary>Starts one five-step flow (appended to the flow's stream).</summary>
[EventType("crash.flow-begun")]
public sealed record FlowBegun(string FlowId);

/// <summary>The saga asks the worker to do a step (published through the saga outbox).</summary>
[EventType("crash.step-requested")]
public sealed record StepRequested(string FlowId, int Step);

/// <summary>The worker's answer, appended to the flow's stream at the version of its step, so it is stored once.</summary>
[EventType("crash.step-done")]
public sealed record StepDone(string FlowId, int Step);

/// <summary>The state of one flow: the step it waits for (6 when done).</summary>
public sealed record StepFlowState
{
    public string? FlowId { get; init; }

    public int Step { get; init; }
}

/// <summary>Five steps, each a command through the saga outbox answered by an event the saga handles next.</summary>
public sealed class StepFlowSaga : Saga<StepFlowState>
{
    public const int Steps = 5;

    public override void Configure(SagaBuilder<StepFlowState> saga)
    {
        saga.StartedBy<FlowBegun>((ctx, e) =>
        {
            ctx.State = new StepFlowState { FlowId = e.Payload.FlowId, Step = 1 };
            ctx.TransitionTo("running");
            ctx.Publish(new StepRequested(e.Payload.FlowId, 1));
        }).CorrelateBy(p => p.FlowId);

        saga.Handles<StepDone>((ctx, e) =>
        {
            if (e.Payload.Step != ctx.State.Step)
            {
                return; // an answer to a step already done: nothing changes
            }

            if (e.Payload.Step == Steps)
            {
                ctx.State = ctx.State with { Step = Steps + 1 };
                ctx.Complete();
                return;
            }

            ctx.State = ctx.State with { Step = e.Payload.Step + 1 };
            ctx.Publish(new StepRequested(e.Payload.FlowId, e.Payload.Step + 1));
        }).CorrelateBy(p => p.FlowId).InStep("running");
    }
}
