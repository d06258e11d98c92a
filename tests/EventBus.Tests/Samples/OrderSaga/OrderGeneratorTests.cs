using EventBus.Samples.Orders.Demo;
using EventBus.Samples.Orders.Services;

namespace EventBus.Tests.Samples.OrderSaga;

public sealed class OrderGeneratorTests
{
    [Fact]
    public void Generate_FirstSixOrders_TakeEveryFlowOnce()
    {
        var orders = OrderGenerator.Generate(new DemoOptions { Orders = 6, DeclineRate = 0, OutOfStockRate = 0, PaymentTimeoutRate = 0, ShippingFailureRate = 0, DuplicateRate = 0 });

        orders.Select(o => o.Flow).Should().Equal(OrderGenerator.GuaranteedFlows);
        orders.Select(o => o.Flow).Should().BeEquivalentTo(Enum.GetValues<OrderFlow>());
        orders.Select(o => o.Order.OrderId).Should().Equal("A-1001", "A-1002", "A-1003", "A-1004", "A-1005", "A-1006");
    }

    [Fact]
    public void Generate_SameSeed_GivesSameOrders()
    {
        var options = new DemoOptions { Orders = 40, Seed = 123 };

        OrderGenerator.Generate(options).Should().Equal(OrderGenerator.Generate(options));
        OrderGenerator.Generate(options).Should().NotEqual(OrderGenerator.Generate(options with { Seed = 124 }));
    }

    [Fact]
    public void Generate_ZeroRates_MakeTheRestHappy()
    {
        var orders = OrderGenerator.Generate(new DemoOptions { Orders = 30, DeclineRate = 0, OutOfStockRate = 0, PaymentTimeoutRate = 0, ShippingFailureRate = 0, DuplicateRate = 0 });

        orders.Skip(6).Should().OnlyContain(o => o.Flow == OrderFlow.HappyPath);
    }

    [Fact]
    public void Generate_FullRate_MakesTheRestTakeThatFlow()
    {
        var orders = OrderGenerator.Generate(new DemoOptions { Orders = 30, DeclineRate = 0, OutOfStockRate = 1, PaymentTimeoutRate = 0, ShippingFailureRate = 0, DuplicateRate = 0 });

        orders.Skip(6).Should().OnlyContain(o => o.Flow == OrderFlow.OutOfStock);
    }

    [Fact]
    public void Draw_ManyTimes_FollowsTheRates()
    {
        var options = new DemoOptions { DeclineRate = 0.2, OutOfStockRate = 0.1, PaymentTimeoutRate = 0.1, ShippingFailureRate = 0.1, DuplicateRate = 0.1 };
        var random = new Random(1);

        var draws = Enumerable.Range(0, 10_000).Select(_ => OrderGenerator.Draw(random, options)).ToList();

        (draws.Count(f => f == OrderFlow.PaymentDeclined) / 10_000.0).Should().BeApproximately(0.2, 0.02);
        (draws.Count(f => f == OrderFlow.HappyPath) / 10_000.0).Should().BeApproximately(0.4, 0.02);
    }

    [Theory]
    [InlineData(OrderFlow.HappyPath, PaymentGateway.GoodCard, false, false)]
    [InlineData(OrderFlow.PaymentDeclined, PaymentGateway.DeclinedCard, false, false)]
    [InlineData(OrderFlow.PaymentTimeout, PaymentGateway.SilentCard, false, false)]
    [InlineData(OrderFlow.OutOfStock, PaymentGateway.GoodCard, true, false)]
    [InlineData(OrderFlow.ShippingFailed, PaymentGateway.GoodCard, false, true)]
    [InlineData(OrderFlow.DuplicateOrder, PaymentGateway.GoodCard, false, false)]
    public void CreateOrder_ForFlow_CarriesDataThatTriggersIt(OrderFlow flow, string card, bool soldOut, bool unserved)
    {
        var order = OrderGenerator.CreateOrder(0, flow, new Random(3));

        order.Card.Should().Be(card);
        (order.Sku == Warehouse.SoldOutSku).Should().Be(soldOut);
        (order.Country == Carrier.UnservedCountry).Should().Be(unserved);
        order.Quantity.Should().BeInRange(1, 3);
        order.Amount.Should().BePositive();
    }
}
