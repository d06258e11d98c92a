using EventBus.Samples.Orders.Demo;

namespace EventBus.Tests.Samples.OrderSaga;

public sealed class ReportTests
{
    private static readonly DemoOptions SixFlows = new() { Orders = 6, PaymentTimeout = TimeSpan.FromSeconds(2) };

    [Theory]
    [InlineData(OrderFlow.HappyPath, true, false, false, false, "completed", true)]
    [InlineData(OrderFlow.HappyPath, false, true, false, false, "cancelled", false)]
    [InlineData(OrderFlow.OutOfStock, false, true, true, false, "refunded, cancelled", true)]
    [InlineData(OrderFlow.OutOfStock, false, true, false, false, "cancelled", false)]
    [InlineData(OrderFlow.ShippingFailed, false, true, true, true, "released, refunded, cancelled", true)]
    [InlineData(OrderFlow.PaymentDeclined, false, false, false, false, "unfinished", false)]
    [InlineData(OrderFlow.PaymentDeclined, true, true, false, false, "inconsistent", false)]
    public void OrderOutcome_Summary_AndAsPlanned(OrderFlow flow, bool completed, bool cancelled, bool refunded, bool released, string summary, bool asPlanned)
    {
        var reason = flow switch
        {
            OrderFlow.OutOfStock => "out of stock: x",
            OrderFlow.ShippingFailed => "shipping failed: x",
            _ => null,
        };
        var outcome = new OrderOutcome
        {
            OrderId = "A-1",
            PlannedFlow = flow,
            Completed = completed,
            Cancelled = cancelled,
            Refunded = refunded,
            Released = released,
            Reason = reason,
            Starts = 1,
            SagaStatus = completed ? SagaStatus.Completed : SagaStatus.Compensated,
        };

        outcome.Summary.Should().Be(summary);
        outcome.AsPlanned.Should().Be(asPlanned);
    }

    [Theory]
    [InlineData(true, false, false, false, 1, 0, true)]
    [InlineData(false, true, true, false, 1, 0, true)]
    [InlineData(false, false, false, false, 1, 0, false)]
    [InlineData(true, true, false, false, 1, 0, false)]
    [InlineData(true, false, false, false, 2, 0, false)]
    [InlineData(true, false, false, false, 1, 1, false)]
    public void DemoReport_Healthy_OnlyWithoutFaults(bool completed, bool cancelled, bool refunded, bool released, int starts, int deadLetters, bool healthy)
    {
        // A happy-path order that ended cancelled and refunded (a slow payment) is not as planned, but not a fault.
        var outcome = new OrderOutcome
        {
            OrderId = "A-1",
            PlannedFlow = OrderFlow.HappyPath,
            Completed = completed,
            Cancelled = cancelled,
            Refunded = refunded,
            Released = released,
            Starts = starts,
        };
        var report = new DemoReport
        {
            Options = new DemoOptions(),
            Orders = [],
            Outcomes = [outcome],
            Timeline = [],
            Instances = [],
            DeadLetters = [.. Enumerable.Range(0, deadLetters).Select(i => new DeadLetter
            {
                Id = $"dl-{i}",
                Event = new Event("order.placed"),
                SubscriptionName = "OrderSaga:order.placed",
                Reason = DeadLetterReason.HandlerFailed,
            })],
            Subscriptions = [],
        };

        report.Healthy.Should().Be(healthy);
    }

    [Fact]
    public void OrderOutcome_SagaStartedTwice_IsNotAsPlanned()
    {
        var outcome = new OrderOutcome { OrderId = "A-1", PlannedFlow = OrderFlow.HappyPath, Completed = true, Starts = 2, SagaStatus = SagaStatus.Completed };

        outcome.AsPlanned.Should().BeFalse();
    }

    [Fact]
    public async Task Render_RealRun_ShowsTimelinesSummaryAndDeadLetters()
    {
        var report = await SampleRun.RunAsync(SixFlows);

        var text = ReportWriter.Render(report);

        text.Should().Contain("Order A-1001 — planned: happy path; outcome: completed");
        text.Should().Contain("Order A-1003 — planned: out of stock; outcome: refunded, cancelled");
        text.Should().MatchRegex(@"#2 +\+ +0 ms +payment\.requested +← #1 order\.placed +OrderSaga");
        text.Should().Contain("(same event delivered again)");
        text.Should().MatchRegex(@"A-1004 +payment timeout +cancelled +Compensated +cancelled +✓ +payment not confirmed within 2 s");
        text.Should().Contain("6 of 6 orders ended as planned");
        text.Should().Contain("Dead letters: none");
    }

    [Fact]
    public async Task RenderDeadLetters_WhenThereAreSome_ListsThem()
    {
        var report = await SampleRun.RunAsync(new DemoOptions { Orders = 1 }, async demo =>
            await demo.DeadLetters.AddAsync(new DeadLetter
            {
                Id = "dl-1",
                Event = new Event("payment.requested"),
                SubscriptionName = "PaymentService:payment.requested",
                Reason = DeadLetterReason.HandlerFailed,
                ExceptionType = "System.TimeoutException",
                ExceptionMessage = "gateway down",
            }));

        var text = ReportWriter.RenderDeadLetters(report);

        text.Should().StartWith("Dead letters: 1");
        text.Should().MatchRegex(@"payment\.requested +PaymentService:payment\.requested +HandlerFailed +System\.TimeoutException: gateway down");
        report.AllAsPlanned.Should().BeFalse();
    }

    [Fact]
    public async Task MermaidDiagram_RealRun_DrawsTopologyAndSagaFlow()
    {
        var report = await SampleRun.RunAsync(SixFlows);

        var diagram = MermaidDiagram.Render(report);

        diagram.Should().Contain("```mermaid\nflowchart LR");
        diagram.Should().Contain("c_Shop -.-> e_order_placed");
        diagram.Should().Contain("e_order_placed --> c_OrderSaga");
        diagram.Should().Contain("c_OrderSaga -.-> e_payment_requested");
        diagram.Should().Contain("e_payment_requested --> c_PaymentService");
        diagram.Should().Contain("c_PaymentService -.-> e_payment_processed");
        diagram.Should().Contain("e_payment_refund_requested --> c_PaymentService");
        diagram.Should().Contain("c_OrderSaga -.-> e_payment_timed_out");
        diagram.Should().Contain("e_payment_void_requested --> c_PaymentService");
        diagram.Should().NotContain("timeline");
        diagram.Should().Contain("stateDiagram-v2");
        diagram.Should().Contain("[*] --> s_awaiting_payment : order.placed");
        diagram.Should().Contain("s_awaiting_payment --> s_cancelling : payment.timed-out");
        diagram.Should().Contain("s_awaiting_shipping --> s_completed : shipping.arranged");
        diagram.Should().Contain("s_cancelled --> [*] : Compensated");
    }

    [Fact]
    public void RenderTimelines_EventsRecordedOutOfTimeOrder_PrintsThemInTimeOrder()
    {
        var start = new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);
        var placed = new Event("order.placed") { Id = "e1", Time = start, CorrelationId = "c1" };
        var requested = new Event("payment.requested") { Id = "e2", Time = start.AddMilliseconds(5), CorrelationId = "c1", CausationId = "e1" };
        var timedOut = new Event("payment.timed-out") { Id = "e3", Time = start.AddMilliseconds(2000), CorrelationId = "c1", CausationId = "e1" };
        var report = new DemoReport
        {
            Options = new DemoOptions(),
            Orders = [],
            Outcomes = [],
            Timeline = [placed, timedOut, requested],
            Instances = [],
            DeadLetters = [],
            Subscriptions = [],
        };

        var lines = ReportWriter.RenderTimelines(report).Split('\n').Where(l => l.StartsWith("  #", StringComparison.Ordinal)).ToList();

        lines.Should().HaveCount(3);
        lines[0].Should().Contain("order.placed");
        lines[1].Should().MatchRegex(@"\+ +5 ms +payment\.requested");
        lines[2].Should().MatchRegex(@"\+ +2000 ms +payment\.timed-out");
    }
}
