using Microsoft.Extensions.DependencyInjection;

namespace EventBus.Tests.Diagnostics;

public sealed class MermaidTests
{
    [Fact]
    public async Task Topology_ExactAndWildcardSubscriptions_DrawsEachDelivery()
    {
        await using var services = new ServiceCollection().AddEventBus().Services.BuildServiceProvider();
        var bus = services.GetRequiredService<IEventBus>();
        bus.Subscribe("order.placed", _ => { }, new SubscriptionOptions { Name = "Billing:order.placed" });
        bus.Subscribe("order.shipped", _ => { }, new SubscriptionOptions { Name = "Billing:order.shipped" });
        bus.Subscribe("order.*", _ => { }, new SubscriptionOptions { Name = "Audit" });

        var diagram = Mermaid.Topology(bus);

        diagram.Should().Be(
            """
            flowchart LR
                c_Audit["Audit"]
                c_Billing["Billing"]
                e_order_placed(["order.placed"])
                e_order_shipped(["order.shipped"])
                p_order__{{"order.*"}}
                e_order_placed --> c_Billing
                e_order_placed --> p_order__
                e_order_shipped --> c_Billing
                e_order_shipped --> p_order__
                p_order__ --> c_Audit

            """.ReplaceLineEndings());
    }

    [Fact]
    public void Topology_ObservedEvents_AddsTheirTypesAndPublishers()
    {
        var subscriptions = new[] { new FakeSubscription("Alerts", "#.failed") };
        var observed = new[]
        {
            new Event("payment.failed") { Source = "/services/PaymentService" },
            new Event("payment.failed") { Source = "/services/PaymentService" },
            new Event("order.placed") { Source = "/shop" },
        };

        var diagram = Mermaid.Topology(subscriptions, observed);

        diagram.Should().Be(
            """
            flowchart LR
                c_Alerts["Alerts"]
                c_PaymentService["PaymentService"]
                c_Shop["Shop"]
                e_order_placed(["order.placed"])
                e_payment_failed(["payment.failed"])
                p___failed{{"#.failed"}}
                c_PaymentService -.-> e_payment_failed
                c_Shop -.-> e_order_placed
                e_payment_failed --> p___failed
                p___failed --> c_Alerts

            """.ReplaceLineEndings());
    }

    [Fact]
    public void Topology_NamesThatShareAnId_GetDistinctIds()
    {
        var subscriptions = new[] { new FakeSubscription("a", "x.y-z"), new FakeSubscription("b", "x.y.z") };

        var diagram = Mermaid.Topology(subscriptions);

        diagram.Should().Contain("e_x_y_z([\"x.y-z\"])").And.Contain("e_x_y_z_2([\"x.y.z\"])")
            .And.Contain("e_x_y_z --> c_a").And.Contain("e_x_y_z_2 --> c_b");
    }

    [Fact]
    public void SagaFlow_Instances_DrawsEachTransitionOnceWithTheEventThatMadeIt()
    {
        var completed = Instance("o-1", SagaStatus.Completed, "completed",
            ("order.placed", "awaiting-payment"), ("payment.processed", "completed"));
        var compensated = Instance("o-2", SagaStatus.Compensated, "cancelled",
            ("order.placed", "awaiting-payment"), ("payment.failed", "cancelling"));
        var active = Instance("o-3", SagaStatus.Active, "awaiting-payment", ("order.placed", "awaiting-payment"));

        var diagram = Mermaid.SagaFlow([completed, compensated, active]);

        diagram.Should().Be(
            """
            stateDiagram-v2
                state "awaiting-payment" as s_awaiting_payment
                state "cancelled" as s_cancelled
                state "cancelling" as s_cancelling
                state "completed" as s_completed
                [*] --> s_awaiting_payment : order.placed
                s_awaiting_payment --> s_cancelling : payment.failed
                s_awaiting_payment --> s_completed : payment.processed
                s_cancelled --> [*] : Compensated
                s_cancelling --> s_cancelled : payment.failed
                s_completed --> [*] : Completed

            """.ReplaceLineEndings());
    }

    private static SagaInstance<object> Instance(string key, SagaStatus status, string currentStep, params (string Type, string Step)[] handled) => new()
    {
        SagaName = "OrderSaga",
        CorrelationKey = key,
        Status = status,
        CurrentStep = currentStep,
        State = new object(),
        History = [.. handled.Select((h, i) => new SagaHistoryEntry(
            DateTimeOffset.UnixEpoch, i == 0 ? SagaHistoryKind.Started : SagaHistoryKind.Handled, $"{key}-{i}", h.Type, h.Step))],
    };

    private sealed class FakeSubscription(string name, string pattern) : IEventSubscription
    {
        public string Name { get; } = name;

        public TopicPattern Pattern { get; } = TopicPattern.Parse(pattern);

        public int QueuedCount => 0;

        public int InFlightCount => 0;

        public void Dispose()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
