using EventBus.Samples.Orders;
using EventBus.Samples.Orders.Contracts;
using EventBus.Samples.Orders.Demo;
using EventBus.Samples.Orders.Services;
using Microsoft.Extensions.DependencyInjection;

namespace EventBus.Tests.Samples.OrderSaga;

/// <summary>Every flow of the sample, end to end through the real bus, the saga and the three services.</summary>
public sealed class OrderSagaFlowTests
{
    private static readonly DemoOptions SixFlows = new() { Orders = 6, PaymentTimeout = TimeSpan.FromSeconds(5) };

    [Fact]
    public async Task Run_FirstSixOrders_CoverEveryFlowAndEndAsPlanned()
    {
        var report = await SampleRun.RunAsync(SixFlows);

        report.Outcomes.Select(o => o.PlannedFlow).Should().Equal(OrderGenerator.GuaranteedFlows);
        report.Outcomes.Should().OnlyContain(o => o.AsPlanned);
        report.DeadLetters.Should().BeEmpty();
        report.AllAsPlanned.Should().BeTrue();
        report.Outcomes.Select(o => o.Summary).Should().Contain(["completed", "cancelled", "refunded, cancelled", "released, refunded, cancelled"]);
    }

    [Fact]
    public async Task HappyPath_PaidReservedShipped_Completes()
    {
        var report = await SampleRun.RunAsync(SixFlows);
        var order = report.OrderWith(OrderFlow.HappyPath).Order;

        report.EventsOf(order.OrderId).Select(e => e.Type).Should().Equal(
            "order.placed", "payment.requested", "payment.processed", "inventory.reservation-requested",
            "inventory.reserved", "shipping.requested", "shipping.arranged", "order.completed");
        var instance = report.Instances.Single(i => i.CorrelationKey == order.OrderId);
        instance.Status.Should().Be(SagaStatus.Completed);
        instance.CurrentStep.Should().Be(OrderSteps.Completed);
        instance.State.TrackingNumber.Should().StartWith("TRK-" + order.Country);
        instance.CompletedSteps.Should().Equal(OrderSteps.Payment, OrderSteps.Inventory);
        instance.Timeouts.Should().BeEmpty();
    }

    [Fact]
    public async Task PaymentDeclined_CancelsWithoutRefund()
    {
        var report = await SampleRun.RunAsync(SixFlows);
        var order = report.OrderWith(OrderFlow.PaymentDeclined).Order;

        report.EventsOf(order.OrderId).Select(e => e.Type).Should().Equal(
            "order.placed", "payment.requested", "payment.failed", "order.cancelled");
        var instance = report.Instances.Single(i => i.CorrelationKey == order.OrderId);
        instance.Status.Should().Be(SagaStatus.Compensated);
        instance.CompensationReason.Should().Be("payment declined: card declined by issuer");
        instance.CompensatedSteps.Should().BeEmpty();
    }

    [Fact]
    public async Task OutOfStock_RefundsPaymentThenCancels()
    {
        var report = await SampleRun.RunAsync(SixFlows);
        var order = report.OrderWith(OrderFlow.OutOfStock).Order;

        report.EventsOf(order.OrderId).Select(e => e.Type).Should().Equal(
            "order.placed", "payment.requested", "payment.processed", "inventory.reservation-requested",
            "inventory.failed", "payment.refund-requested", "payment.refunded", "order.cancelled");
        var instance = report.Instances.Single(i => i.CorrelationKey == order.OrderId);
        instance.Status.Should().Be(SagaStatus.Compensated);
        instance.CompensatedSteps.Should().Equal(OrderSteps.Payment);
        instance.State.Refunded.Should().BeTrue();
        report.EventsOf(order.OrderId).OfType<Event>().Select(e => e.Payload).OfType<OrderCancelled>()
            .Single().Reason.Should().StartWith("out of stock: " + order.Sku);
    }

    [Fact]
    public async Task PaymentTimeout_CancelsWhenThePaymentIsNotConfirmedInTime()
    {
        var report = await SampleRun.RunAsync(SixFlows);
        var order = report.OrderWith(OrderFlow.PaymentTimeout).Order;

        var events = report.EventsOf(order.OrderId);
        events.Select(e => e.Type).Take(4).Should().Equal("order.placed", "payment.requested", "payment.timed-out", "payment.void-requested");
        events.Select(e => e.Type).Skip(4).Should().BeEquivalentTo("order.cancelled", "payment.voided");
        var placed = events[0];
        var timedOut = events[2];
        timedOut.CorrelationId.Should().Be(placed.CorrelationId);
        timedOut.CausationId.Should().Be(placed.Id);
        timedOut.Time.Should().Be(SampleRun.Start + SixFlows.PaymentTimeout);
        var instance = report.Instances.Single(i => i.CorrelationKey == order.OrderId);
        instance.CompensationReason.Should().Be("payment not confirmed within 5 s");
    }

    [Fact]
    public async Task PaymentTimeout_WhenTheChargeWentThroughUnconfirmed_RefundsIt()
    {
        var options = new DemoOptions { Orders = 4, PaymentTimeout = TimeSpan.FromSeconds(5) };
        var silentOrder = OrderGenerator.Generate(options).Single(o => o.Flow == OrderFlow.PaymentTimeout).Order;

        // The card is charged, but the confirmation never reaches the saga before its timeout.
        var report = await SampleRun.RunAsync(options, beforeTimeouts: demo =>
        {
            demo.Services.GetRequiredService<PaymentGateway>().Charge(silentOrder.OrderId, PaymentGateway.GoodCard);
            return Task.CompletedTask;
        });

        var events = report.EventsOf(silentOrder.OrderId);
        events.Select(e => e.Type).Take(4).Should().Equal("order.placed", "payment.requested", "payment.timed-out", "payment.void-requested");

        // The saga cancels the order while Payment refunds: the two can cross on the bus.
        events.Select(e => e.Type).Skip(4).Should().BeEquivalentTo("order.cancelled", "payment.refunded");
        var outcome = report.Outcomes.Single(o => o.OrderId == silentOrder.OrderId);
        outcome.Summary.Should().Be("refunded, cancelled");
        report.Instances.Single(i => i.CorrelationKey == silentOrder.OrderId).Status.Should().Be(SagaStatus.Compensated);
    }

    [Fact]
    public async Task ShippingFailed_ReleasesGoodsThenRefundsThenCancels()
    {
        var report = await SampleRun.RunAsync(SixFlows);
        var order = report.OrderWith(OrderFlow.ShippingFailed).Order;

        report.EventsOf(order.OrderId).Select(e => e.Type).Should().Equal(
            "order.placed", "payment.requested", "payment.processed", "inventory.reservation-requested",
            "inventory.reserved", "shipping.requested", "shipping.failed",
            "inventory.release-requested", "inventory.released", "payment.refund-requested", "payment.refunded",
            "order.cancelled");
        var instance = report.Instances.Single(i => i.CorrelationKey == order.OrderId);
        instance.CompensatedSteps.Should().Equal(OrderSteps.Inventory, OrderSteps.Payment);
        instance.State.InventoryReleased.Should().BeTrue();
        instance.State.Refunded.Should().BeTrue();
    }

    [Fact]
    public async Task DuplicateOrderPlaced_ChangesNothing()
    {
        var report = await SampleRun.RunAsync(SixFlows);
        var order = report.OrderWith(OrderFlow.DuplicateOrder).Order;

        var events = report.EventsOf(order.OrderId);
        events.Count(e => e.Type == "order.placed").Should().Be(2);
        events.Where(e => e.Type == "order.placed").Select(e => e.Id).Distinct().Should().ContainSingle();
        events.Count(e => e.Type == "payment.requested").Should().Be(1);
        events.Last().Type.Should().Be("order.completed");
        var instance = report.Instances.Single(i => i.CorrelationKey == order.OrderId);
        instance.History.Should().ContainSingle(h => h.Kind == SagaHistoryKind.Started);
    }

    [Fact]
    public async Task EveryEvent_CarriesTheOrdersCorrelationIdAndACauseFromTheSameOrder()
    {
        var report = await SampleRun.RunAsync(SixFlows);

        foreach (var planned in report.Orders)
        {
            var events = report.EventsOf(planned.Order.OrderId);
            var root = events[0];
            root.Type.Should().Be("order.placed");
            root.CausationId.Should().BeNull();
            events.Should().OnlyContain(e => e.CorrelationId == root.CorrelationId);
            events.Skip(1).Where(e => e.Id != root.Id).Should().OnlyContain(e => events.Any(cause => cause.Id == e.CausationId));
        }
    }

    [Fact]
    public async Task RandomOrders_ManyWithEveryRate_AllEndAsPlanned()
    {
        var options = new DemoOptions
        {
            Orders = 60,
            Seed = 7,
            DeclineRate = 0.15,
            OutOfStockRate = 0.15,
            PaymentTimeoutRate = 0.15,
            ShippingFailureRate = 0.15,
            DuplicateRate = 0.15,
            PaymentTimeout = TimeSpan.FromSeconds(3),
        };

        var report = await SampleRun.RunAsync(options);

        report.Outcomes.Where(o => !o.AsPlanned).Should().BeEmpty();
        report.DeadLetters.Should().BeEmpty();
        report.Instances.Should().HaveCount(60).And.OnlyContain(i => i.IsFinished && i.Timeouts.Count == 0 && i.ParkedEvents.Count == 0);

        // Only the deliberate duplicates of order.placed cross the bus twice.
        report.Timeline.Where(e => e.Type != "order.placed").GroupBy(e => e.Id).Should().OnlyContain(g => g.Count() == 1);
        report.Instances.Should().OnlyContain(i => i.Outbox.Count == 0);
    }

    [Fact]
    public async Task ConcurrentOrderPlaced_WithDifferentIdsForOneOrder_StartOneSagaAndChargeOnce()
    {
        var options = new DemoOptions { Orders = 1, PaymentTimeout = TimeSpan.FromSeconds(5) };
        SagaInstance<OrderState>? instance = null;

        var report = await SampleRun.RunAsync(options, async demo =>
        {
            // Two shop front-ends send the same order at once, with their own event ids.
            var order = demo.Orders[0].Order with { OrderId = "A-RACE" };
            var settled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var subscription = demo.Bus.Subscribe<OrderCompleted>(e =>
            {
                if (e.Payload.OrderId == "A-RACE")
                {
                    settled.TrySetResult();
                }
            });
            await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () => await demo.Bus.PublishAsync(order))));
            await settled.Task.WaitAsync(TimeSpan.FromSeconds(30));
            instance = await demo.Sagas.FindAsync<OrderState>(nameof(EventBus.Samples.Orders.OrderSaga), "A-RACE");
        });

        var events = report.EventsOf("A-RACE");
        events.Count(e => e.Type == "order.placed").Should().Be(8);
        events.Count(e => e.Type == "payment.requested").Should().Be(1);
        events.Count(e => e.Type == "order.completed").Should().Be(1);
        instance!.Status.Should().Be(SagaStatus.Completed);
        instance.History.Should().ContainSingle(h => h.Kind == SagaHistoryKind.Started);
        instance.History.Count(h => h.EventType == "order.placed").Should().Be(1);
        report.DeadLetters.Should().BeEmpty();
    }
}
