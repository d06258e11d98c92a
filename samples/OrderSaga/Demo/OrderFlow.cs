namespace EventBus.Samples.Orders.Demo;

/// <summary>The paths an order can take through the saga; the demo plans one per order.</summary>
public enum OrderFlow
{
    /// <summary>Paid → reserved → shipped → completed.</summary>
    HappyPath,

    /// <summary>The card is declined → cancelled.</summary>
    PaymentDeclined,

    /// <summary>Paid, but out of stock → payment refunded → cancelled.</summary>
    OutOfStock,

    /// <summary>The card issuer never answers → the payment timeout cancels the order.</summary>
    PaymentTimeout,

    /// <summary>Paid and reserved, but no carrier → goods released → payment refunded → cancelled.</summary>
    ShippingFailed,

    /// <summary>A happy order whose <c>order.placed</c> is delivered twice; the second changes nothing.</summary>
    DuplicateOrder,
}
