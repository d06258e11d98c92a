namespace EventBus.Samples.Orders.Contracts;

// The message contracts of the sample, one line each so the whole conversation reads at a glance. Every message
// carries the order id: the saga correlates by it. Commands are events too ("payment.requested"): the bus has one
// kind of message, and a name in the past or imperative tense says which is which.

/// <summary>The shop took an order.</summary>
[EventType("order.placed")]
public sealed record OrderPlaced(string OrderId, string Customer, string Sku, int Quantity, decimal Amount, string Card, string Country);

/// <summary>The saga asks Payment to charge the order.</summary>
[EventType("payment.requested")]
public sealed record PaymentRequested(string OrderId, decimal Amount, string Card);

/// <summary>Payment charged the card.</summary>
[EventType("payment.processed")]
public sealed record PaymentProcessed(string OrderId, string PaymentId, decimal Amount);

/// <summary>Payment could not charge the card.</summary>
[EventType("payment.failed")]
public sealed record PaymentFailed(string OrderId, string Reason);

/// <summary>The saga's own timeout: no answer from Payment in time.</summary>
[EventType("payment.timed-out")]
public sealed record PaymentTimedOut(string OrderId, TimeSpan After);

/// <summary>The saga gave up waiting for Payment: void the charge, refunding it if it went through after all.</summary>
[EventType("payment.void-requested")]
public sealed record PaymentVoidRequested(string OrderId, decimal Amount);

/// <summary>Payment voided an order that was never charged; a charge attempted later is declined.</summary>
[EventType("payment.voided")]
public sealed record PaymentVoided(string OrderId);

/// <summary>The saga asks Payment to give the money back (compensation of the payment step).</summary>
[EventType("payment.refund-requested")]
public sealed record RefundRequested(string OrderId, string PaymentId, decimal Amount);

/// <summary>Payment gave the money back.</summary>
[EventType("payment.refunded")]
public sealed record PaymentRefunded(string OrderId, string PaymentId, decimal Amount);

/// <summary>The saga asks Inventory to reserve the goods.</summary>
[EventType("inventory.reservation-requested")]
public sealed record ReservationRequested(string OrderId, string Sku, int Quantity);

/// <summary>Inventory reserved the goods.</summary>
[EventType("inventory.reserved")]
public sealed record InventoryReserved(string OrderId, string Sku, int Quantity);

/// <summary>Inventory could not reserve the goods.</summary>
[EventType("inventory.failed")]
public sealed record InventoryFailed(string OrderId, string Reason);

/// <summary>The saga asks Inventory to put reserved goods back (compensation of the inventory step).</summary>
[EventType("inventory.release-requested")]
public sealed record ReleaseRequested(string OrderId, string Sku, int Quantity);

/// <summary>Inventory put the goods back.</summary>
[EventType("inventory.released")]
public sealed record InventoryReleased(string OrderId, string Sku, int Quantity);

/// <summary>The saga asks Shipping to send the order.</summary>
[EventType("shipping.requested")]
public sealed record ShippingRequested(string OrderId, string Customer, string Country);

/// <summary>Shipping booked a carrier.</summary>
[EventType("shipping.arranged")]
public sealed record ShippingArranged(string OrderId, string TrackingNumber);

/// <summary>Shipping found no carrier.</summary>
[EventType("shipping.failed")]
public sealed record ShippingFailed(string OrderId, string Reason);

/// <summary>The order is paid, reserved and on its way.</summary>
[EventType("order.completed")]
public sealed record OrderCompleted(string OrderId, string TrackingNumber);

/// <summary>The order was cancelled; everything it had done was undone.</summary>
[EventType("order.cancelled")]
public sealed record OrderCancelled(string OrderId, string Reason);
