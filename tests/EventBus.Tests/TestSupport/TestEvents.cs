namespace EventBus.Tests.TestSupport;

[EventType("order.placed")]
public sealed record OrderPlaced(string OrderId, decimal Amount = 10m);

[EventType("order.shipped")]
public sealed record OrderShipped(string OrderId);

[EventType("payment.processed")]
public sealed record PaymentProcessed(string OrderId);

public sealed record NotAttributed(int Value);
