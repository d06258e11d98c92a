using System.Globalization;
using EventBus.Samples.Orders.Contracts;
using EventBus.Samples.Orders.Services;

namespace EventBus.Samples.Orders.Demo;

/// <summary>Plans the demo's orders: the first ones take every flow once, in a fixed order, so each run shows every
/// flow; the rest are drawn with the configured rates from a seeded random source, so a run can be repeated.</summary>
public static class OrderGenerator
{
    /// <summary>The flows given to the first orders, in this order.</summary>
    public static readonly IReadOnlyList<OrderFlow> GuaranteedFlows =
    [
        OrderFlow.HappyPath,
        OrderFlow.PaymentDeclined,
        OrderFlow.OutOfStock,
        OrderFlow.PaymentTimeout,
        OrderFlow.ShippingFailed,
        OrderFlow.DuplicateOrder,
    ];

    private static readonly string[] Customers = ["Ada", "Grace", "Linus", "Barbara", "Ken", "Margaret", "Dennis", "Frances"];

    public static IReadOnlyList<PlannedOrder> Generate(DemoOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var random = new Random(options.Seed);
        var orders = new List<PlannedOrder>(options.Orders);
        for (var i = 0; i < options.Orders; i++)
        {
            var flow = i < GuaranteedFlows.Count ? GuaranteedFlows[i] : Draw(random, options);
            orders.Add(new PlannedOrder(CreateOrder(i, flow, random), flow));
        }

        return orders;
    }

    /// <summary>Picks a flow: each failure flow with its rate, the happy path otherwise.</summary>
    public static OrderFlow Draw(Random random, DemoOptions options)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(options);
        var roll = random.NextDouble();
        foreach (var (flow, rate) in options.Rates)
        {
            if (roll < rate)
            {
                return flow;
            }

            roll -= rate;
        }

        return OrderFlow.HappyPath;
    }

    /// <summary>Builds an order whose data makes the services take <paramref name="flow"/>.</summary>
    public static OrderPlaced CreateOrder(int index, OrderFlow flow, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var orderId = "A-" + (1001 + index).ToString(CultureInfo.InvariantCulture);
        var customer = Customers[random.Next(Customers.Length)];
        var sku = flow == OrderFlow.OutOfStock ? Warehouse.SoldOutSku : Warehouse.StockedSkus[random.Next(Warehouse.StockedSkus.Count)];
        var quantity = random.Next(1, 4);
        var amount = decimal.Round(quantity * (5m + (decimal)random.NextDouble() * 45m), 2);
        var card = flow switch
        {
            OrderFlow.PaymentDeclined => PaymentGateway.DeclinedCard,
            OrderFlow.PaymentTimeout => PaymentGateway.SilentCard,
            _ => PaymentGateway.GoodCard,
        };
        var country = flow == OrderFlow.ShippingFailed ? Carrier.UnservedCountry : Carrier.ServedCountries[random.Next(Carrier.ServedCountries.Count)];
        return new OrderPlaced(orderId, customer, sku, quantity, amount, card, country);
    }
}
