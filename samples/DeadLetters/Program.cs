// A failing handler is retried, dead-lettered, inspected and redriven.
using EventBus;
using Microsoft.Extensions.DependencyInjection;

var services = new ServiceCollection();
services.AddEventBus(o =>
{
    // Short delays so the sample finishes quickly; see the README for production-like settings.
    o.Resilience.Retry.MaxRetryAttempts = 2;
    o.Resilience.Retry.Delay = TimeSpan.FromMilliseconds(50);

    // This sample is about retries and dead letters: keep the circuit breaker (which would pause the
    // subscription for BreakDuration after this many failures) out of the way.
    o.Resilience.CircuitBreaker.MinimumThroughput = 100;
});
await using var provider = services.BuildServiceProvider();
var bus = provider.GetRequiredService<IEventBus>();
var deadLetters = provider.GetRequiredService<IDeadLetterStore>();
var redriver = provider.GetRequiredService<IDeadLetterRedriver>();

var gatewayUp = false;
bus.Subscribe<OrderPlaced>(e =>
{
    var order = e.Payload;
    if (!gatewayUp || order.CardNumber == "0000")
    {
        Console.WriteLine($"  payments: charging {order.OrderId} failed");
        throw new PaymentDeclinedException(gatewayUp ? $"card declined for {order.OrderId}" : "payment gateway unavailable");
    }

    Console.WriteLine($"  payments: charged {order.OrderId} ({order.Total:0.00})");
}, new SubscriptionOptions { Name = "payments" });
bus.Subscribe("order.*", e => Console.WriteLine($"  audit: {e.Type} …{e.Id[^8..]}"), new SubscriptionOptions { Name = "audit" });

Console.WriteLine("1. The payment gateway is down; three orders arrive. Each is tried 3 times (1 + 2 retries):");
await bus.PublishAsync(new OrderPlaced("A-1", 42.50m, "4242"));
await bus.PublishAsync(new OrderPlaced("A-2", 99.00m, "4242"));
await bus.PublishAsync(new OrderPlaced("A-3", 12.00m, "0000"));
await WaitForDeadLettersAsync(3);

Console.WriteLine();
Console.WriteLine("2. Inspect the dead letters of the 'payments' subscription:");
var byPayments = new DeadLetterQuery { SubscriptionName = "payments" };
await foreach (var entry in deadLetters.QueryAsync(byPayments))
{
    var order = Event<OrderPlaced>.From(entry.Event).Payload;
    Console.WriteLine($"  {order.OrderId}: {entry.Reason}, {entry.AttemptCount} attempts, {entry.ExceptionType}: {entry.ExceptionMessage}");
}

var declined = await deadLetters.CountAsync(new DeadLetterQuery { ExceptionType = typeof(PaymentDeclinedException).FullName });
var orders = await deadLetters.CountAsync(new DeadLetterQuery { EventType = TopicPattern.Parse("order.*") });
Console.WriteLine($"  {declined} failed with {nameof(PaymentDeclinedException)}; {orders} are order.* events");

Console.WriteLine();
Console.WriteLine("3. Dry run: what would a redrive do?");
var preview = await redriver.RedriveAsync(byPayments, new DeadLetterRedriveOptions { DryRun = true });
Console.WriteLine($"  would redrive {preview.Matched.Count} events to 'payments' only, oldest first; nothing changed");

Console.WriteLine();
Console.WriteLine("4. The gateway is back. Redrive, at most 20 events per second:");
gatewayUp = true;
var result = await redriver.RedriveAsync(byPayments, new DeadLetterRedriveOptions { MaxEventsPerSecond = 20 });
Console.WriteLine($"  {result.Succeeded} handled, {result.Failed} failed again, {result.Skipped} skipped");

Console.WriteLine();
Console.WriteLine("5. What is left keeps its history:");
await foreach (var entry in deadLetters.QueryAsync(DeadLetterQuery.All))
{
    var order = Event<OrderPlaced>.From(entry.Event).Payload;
    Console.WriteLine($"  {order.OrderId}: redriven {entry.RedriveCount}x, {entry.AttemptCount} attempts in total, last error: {entry.ExceptionMessage}");
    foreach (var earlier in entry.PreviousFailures)
    {
        Console.WriteLine($"    earlier: {earlier.Reason} after {earlier.AttemptCount} attempts: {earlier.ExceptionMessage}");
    }
}

var remaining = await deadLetters.CountAsync(DeadLetterQuery.All);
return remaining == 1 && result.Succeeded == 2 ? 0 : 1;

async Task WaitForDeadLettersAsync(long count)
{
    // The sample polls for brevity; tests await signals instead.
    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
    while (await deadLetters.CountAsync(DeadLetterQuery.All) < count)
    {
        await Task.Delay(20, timeout.Token);
    }
}

[EventType("order.placed")]
public sealed record OrderPlaced(string OrderId, decimal Total, string CardNumber);

public sealed class PaymentDeclinedException(string message) : Exception(message);
