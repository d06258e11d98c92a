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

    /// <summary>What every order id starts with, followed by the order number.</summary>
    public const string OrderIdPrefix = "A-";

    private static readonly string[] Customers = ["Ada", "Grace", "Linus", "Barbara", "Ken", "Margaret", "Dennis", "Frances"];

    public static IReadOnlyList<PlannedOrder> Generate(DemoOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var random = new Random(options.Seed);
        var orders = new List<PlannedOrder>(options.Orders);
        for (var i = 0; i < options.Orders; i++)
        {
            var flow = i < GuaranteedFlows.Count ? GuaranteedFlows[i] : Draw(random, options);
            orders.Add(new PlannedOrder(CreateOrder(i, flow, random, options.FirstOrderNumber), flow));
        }

        return orders;
    }

    /// <summary>Reads the number of an order id made by <see cref="CreateOrder"/>.</summary>
    /// <returns>The number, or <see langword="null"/> for an id of another shape.</returns>
    public static int? OrderNumberOf(string orderId)
    {
        ArgumentNullException.ThrowIfNull(orderId);
        return orderId.StartsWith(OrderIdPrefix, StringComparison.Ordinal)
            && int.TryParse(orderId.AsSpan(OrderIdPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                ? number
                : null;
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

    /// <summary>Builds an order whose data makes the services take <paramref name="flow"/>; its id is
    /// <c>A-</c> followed by <paramref name="firstNumber"/> + <paramref name="index"/>.</summary>
    public static OrderPlaced CreateOrder(int index, OrderFlow flow, Random random, int firstNumber = DemoOptions.DefaultFirstOrderNumber)
    {
        ArgumentNullException.ThrowIfNull(random);
        var orderId = OrderIdPrefix + (firstNumber + index).ToString(CultureInfo.InvariantCulture);
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
