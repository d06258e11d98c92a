namespace EventBus.Samples.Orders;

/// <summary>What the order saga remembers about one order. Immutable: handlers replace it with <c>with</c>.</summary>
public sealed record OrderState
{
    public string OrderId { get; init; } = "";

    public string Customer { get; init; } = "";

    public string Sku { get; init; } = "";

    public int Quantity { get; init; }

    public decimal Amount { get; init; }

    public string Country { get; init; } = "";

    public string? PaymentId { get; init; }

    public string? TrackingNumber { get; init; }

    public bool Refunded { get; init; }

    public bool InventoryReleased { get; init; }
}
