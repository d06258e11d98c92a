namespace EventBus.Testing.Tests.Harness;

[EventType("payment.requested")]
public sealed record PaymentRequested(string PaymentId);

[EventType("payment.received")]
public sealed record PaymentReceived(string PaymentId);

[EventType("payment.timed-out")]
public sealed record PaymentTimedOut(string PaymentId);

[EventType("payment.cancelled")]
public sealed record PaymentCancelled(string PaymentId);

public sealed record PaymentState
{
    public string? PaymentId { get; init; }
}

/// <summary>Waits for a payment; cancels it when none arrives within <see cref="Deadline"/>.</summary>
public sealed class PaymentSaga : Saga<PaymentState>
{
    public static readonly TimeSpan Deadline = TimeSpan.FromMinutes(5);

    public override void Configure(SagaBuilder<PaymentState> saga)
    {
        saga.StartedBy<PaymentRequested>((ctx, e) =>
        {
            ctx.State = ctx.State with { PaymentId = e.Payload.PaymentId };
            ctx.TransitionTo("awaiting-payment");
            ctx.ScheduleTimeout("payment", new PaymentTimedOut(e.Payload.PaymentId), Deadline);
        }).CorrelateBy(p => p.PaymentId);

        saga.Handles<PaymentReceived>((ctx, _) =>
        {
            ctx.CancelTimeout("payment");
            ctx.Complete();
        }).CorrelateBy(p => p.PaymentId);

        saga.Handles<PaymentTimedOut>((ctx, e) =>
        {
            ctx.Publish(new PaymentCancelled(e.Payload.PaymentId));
            ctx.Complete();
        }).CorrelateBy(p => p.PaymentId);
    }
}
