using EventBus.Samples.Orders.Contracts;

namespace EventBus.Samples.Orders.Demo;

/// <summary>An order the demo places, and the flow its data is meant to trigger.</summary>
public sealed record PlannedOrder(OrderPlaced Order, OrderFlow Flow)
{
    /// <summary>Gets a value indicating whether the demo delivers the order's <c>order.placed</c> twice.</summary>
    public bool DeliveredTwice => Flow == OrderFlow.DuplicateOrder;
}
