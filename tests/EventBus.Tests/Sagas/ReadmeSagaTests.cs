using EventBus.Tests.Sagas.Readme;
using Microsoft.Extensions.DependencyInjection;

namespace EventBus.Tests.Sagas
{
    /// <summary>Runs the saga from the README's "Sagas" section, verbatim, through the real bus.</summary>
    public sealed class ReadmeSagaTests
    {
        [Fact]
        public async Task ReadmeSaga_OutOfStockAfterPayment_RefundsAndCancels()
        {
            var store = new ObservableSagaStore();
            await using var fixture = await TestSupport.BusFixture.StartAsync(
                b => b.AddSaga<OrderSaga, OrderState>(),
                services: s => s.AddSingleton<ISagaStore>(store));
            var seen = new EventLog();
            fixture.Bus.Subscribe("#", seen.Add);
            var ct = TestContext.Current.CancellationToken;

            await fixture.Bus.PublishAsync(new OrderPlaced("A-1", 42m), cancellationToken: ct);
            await seen.WaitForAsync<PaymentRequested>();
            await fixture.Bus.PublishAsync(new PaymentProcessed("A-1"), cancellationToken: ct);
            await seen.WaitForAsync<StockRequested>();
            await fixture.Bus.PublishAsync(new OutOfStock("A-1"), cancellationToken: ct);
            await seen.WaitForAsync<OrderCancelled>();

            var instance = await store.WaitForAsync<OrderState>("OrderSaga", "A-1", i => i.IsFinished);
            instance.Status.Should().Be(SagaStatus.Compensated);
            instance.CompensationReason.Should().Be("out of stock");
            instance.Timeouts.Should().BeEmpty();
            seen.Of<RefundRequested>().Should().ContainSingle();
            seen.Of<OrderCancelled>().Single().Payload.Reason.Should().Be("out of stock");
        }
    }
}

namespace EventBus.Tests.Sagas.Readme
{
    [EventType("order.placed")]
    public sealed record OrderPlaced(string OrderId, decimal Total);

    [EventType("payment.requested")]
    public sealed record PaymentRequested(string OrderId, decimal Amount);

    [EventType("payment.processed")]
    public sealed record PaymentProcessed(string OrderId);

    [EventType("payment.timed-out")]
    public sealed record PaymentTimedOut(string OrderId);

    [EventType("payment.refund-requested")]
    public sealed record RefundRequested(string OrderId);

    [EventType("stock.requested")]
    public sealed record StockRequested(string OrderId);

    [EventType("stock.reserved")]
    public sealed record StockReserved(string OrderId);

    [EventType("stock.out-of-stock")]
    public sealed record OutOfStock(string OrderId);

    [EventType("order.cancelled")]
    public sealed record OrderCancelled(string OrderId, string Reason);

    // From here on, the README's code as it stands.
    public sealed record OrderState
    {
        public string? OrderId { get; init; }
    }

    public sealed class OrderSaga : Saga<OrderState>
    {
        public override void Configure(SagaBuilder<OrderState> saga)
        {
            saga.StartedBy<OrderPlaced>((ctx, e) =>
            {
                ctx.State = ctx.State with { OrderId = e.Payload.OrderId };
                ctx.TransitionTo("awaiting-payment");
                ctx.Publish(new PaymentRequested(e.Payload.OrderId, e.Payload.Total));
                ctx.ScheduleTimeout("payment", new PaymentTimedOut(e.Payload.OrderId), TimeSpan.FromMinutes(5));
            }).CorrelateBy(p => p.OrderId);

            saga.Handles<PaymentProcessed>((ctx, e) =>
            {
                ctx.CancelTimeout("payment");
                ctx.CompleteStep("payment");
                ctx.TransitionTo("awaiting-stock");
                ctx.Publish(new StockRequested(e.Payload.OrderId));
            }).CorrelateBy(p => p.OrderId).InStep("awaiting-payment");

            saga.Handles<StockReserved>((ctx, _) => ctx.Complete()).CorrelateBy(p => p.OrderId).InStep("awaiting-stock");
            saga.Handles<OutOfStock>((ctx, _) => ctx.Fail("out of stock")).CorrelateBy(p => p.OrderId).InStep("awaiting-stock");
            saga.Handles<PaymentTimedOut>((ctx, _) => ctx.Fail("payment timed out"))
                .InStep("awaiting-payment").WhenOutOfOrder(OutOfOrderPolicy.Ignore);

            saga.Compensate("payment", ctx => ctx.Publish(new RefundRequested(ctx.State.OrderId!)));
            saga.OnCompensated(ctx => ctx.Publish(new OrderCancelled(ctx.State.OrderId!, ctx.CompensationReason!)));
        }
    }
}
