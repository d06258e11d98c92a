namespace EventBus.Samples.Orders;

/// <summary>The steps of the order saga, as it names them in <see cref="SagaInstance.CurrentStep"/>.</summary>
public static class OrderSteps
{
    public const string AwaitingPayment = "awaiting-payment";
    public const string AwaitingInventory = "awaiting-inventory";
    public const string AwaitingShipping = "awaiting-shipping";
    public const string Completed = "completed";
    public const string Cancelling = "cancelling";
    public const string Cancelled = "cancelled";

    /// <summary>The step whose compensation refunds the payment.</summary>
    public const string Payment = "payment";

    /// <summary>The step whose compensation releases the reserved goods.</summary>
    public const string Inventory = "inventory";
}
