using EventBus.Samples.Orders.Contracts;

namespace EventBus.Samples.Orders;

/// <summary>Takes an order from placed to completed — pay, reserve, ship — or back to cancelled, undoing what was
/// done latest first: release the goods, then refund the payment.</summary>
/// <param name="paymentTimeout">How long to wait for Payment before cancelling the order.</param>
public sealed class OrderSaga(TimeSpan paymentTimeout) : Saga<OrderState>
{
    public TimeSpan PaymentTimeout { get; } = paymentTimeout;

    public override void Configure(SagaBuilder<OrderState> saga)
    {
        // Every message carries the order id; it is the saga's correlation key.
        saga.StartedBy<OrderPlaced>((ctx, e) =>
        {
            var order = e.Payload;
            ctx.State = ctx.State with
            {
                OrderId = order.OrderId,
                Customer = order.Customer,
                Sku = order.Sku,
                Quantity = order.Quantity,
                Amount = order.Amount,
                Country = order.Country,
            };
            ctx.TransitionTo(OrderSteps.AwaitingPayment);
            ctx.Publish(new PaymentRequested(order.OrderId, order.Amount, order.Card));
            ctx.ScheduleTimeout("payment", new PaymentTimedOut(order.OrderId, PaymentTimeout), PaymentTimeout);
        }).CorrelateBy(p => p.OrderId);

        saga.Handles<PaymentProcessed>((ctx, e) =>
        {
            ctx.CancelTimeout("payment");
            ctx.CompleteStep(OrderSteps.Payment);
            ctx.State = ctx.State with { PaymentId = e.Payload.PaymentId };
            ctx.TransitionTo(OrderSteps.AwaitingInventory);
            ctx.Publish(new ReservationRequested(ctx.State.OrderId, ctx.State.Sku, ctx.State.Quantity));
        }).CorrelateBy(p => p.OrderId).InStep(OrderSteps.AwaitingPayment);

        saga.Handles<PaymentFailed>((ctx, e) => Cancel(ctx, "payment declined: " + e.Payload.Reason))
            .CorrelateBy(p => p.OrderId).InStep(OrderSteps.AwaitingPayment);

        // A timeout that fires after the saga moved on is dropped by the engine; one that is due cancels the order.
        // The charge may still go through late (or have gone through with its confirmation still on the way), and
        // the cancelled saga ignores a late confirmation: so it asks Payment to void the charge, refunding if need be.
        saga.Handles<PaymentTimedOut>((ctx, e) =>
        {
            ctx.Publish(new PaymentVoidRequested(ctx.State.OrderId, ctx.State.Amount));
            Cancel(ctx, $"payment not confirmed within {e.Payload.After.TotalSeconds:0.###} s");
        }).InStep(OrderSteps.AwaitingPayment).WhenOutOfOrder(OutOfOrderPolicy.Ignore);

        saga.Handles<InventoryReserved>((ctx, _) =>
        {
            ctx.CompleteStep(OrderSteps.Inventory);
            ctx.TransitionTo(OrderSteps.AwaitingShipping);
            ctx.Publish(new ShippingRequested(ctx.State.OrderId, ctx.State.Customer, ctx.State.Country));
        }).CorrelateBy(p => p.OrderId).InStep(OrderSteps.AwaitingInventory);

        saga.Handles<InventoryFailed>((ctx, e) => Cancel(ctx, "out of stock: " + e.Payload.Reason))
            .CorrelateBy(p => p.OrderId).InStep(OrderSteps.AwaitingInventory);

        saga.Handles<ShippingArranged>((ctx, e) =>
        {
            ctx.State = ctx.State with { TrackingNumber = e.Payload.TrackingNumber };
            ctx.TransitionTo(OrderSteps.Completed);
            ctx.Complete();
            ctx.Publish(new OrderCompleted(ctx.State.OrderId, e.Payload.TrackingNumber));
        }).CorrelateBy(p => p.OrderId).InStep(OrderSteps.AwaitingShipping);

        saga.Handles<ShippingFailed>((ctx, e) => Cancel(ctx, "shipping failed: " + e.Payload.Reason))
            .CorrelateBy(p => p.OrderId).InStep(OrderSteps.AwaitingShipping);

        // Compensations run latest first, each once; each waits for its service to confirm before the next runs.
        saga.Compensate(OrderSteps.Inventory,
            ctx => ctx.Publish(new ReleaseRequested(ctx.State.OrderId, ctx.State.Sku, ctx.State.Quantity)),
            awaitsConfirmation: true);
        saga.Handles<InventoryReleased>((ctx, _) =>
        {
            if (ctx.ConfirmCompensation(OrderSteps.Inventory))
            {
                ctx.State = ctx.State with { InventoryReleased = true };
            }
        }).CorrelateBy(p => p.OrderId);

        saga.Compensate(OrderSteps.Payment,
            ctx => ctx.Publish(new RefundRequested(ctx.State.OrderId, ctx.State.PaymentId!, ctx.State.Amount)),
            awaitsConfirmation: true);
        saga.Handles<PaymentRefunded>((ctx, _) =>
        {
            if (ctx.ConfirmCompensation(OrderSteps.Payment))
            {
                ctx.State = ctx.State with { Refunded = true };
            }
        }).CorrelateBy(p => p.OrderId);

        saga.OnCompensated(ctx =>
        {
            ctx.TransitionTo(OrderSteps.Cancelled);
            ctx.Publish(new OrderCancelled(ctx.State.OrderId, ctx.CompensationReason!));
        });
    }

    private static void Cancel(SagaContext<OrderState> ctx, string reason)
    {
        ctx.TransitionTo(OrderSteps.Cancelling);
        ctx.Fail(reason);
    }
}
