using EventBus;
using Microsoft.Extensions.DependencyInjection;

var services = new ServiceCollection().AddEventBus().Services.BuildServiceProvider();
var bus = services.GetRequiredService<IEventBus>();

// Typed subscription: every event whose payload is an OrderPlaced ("order.placed").
bus.Subscribe<OrderPlaced>(e => Console.WriteLine($"[billing] charge {e.Payload.Total} for {e.Payload.OrderId}"));

// Wildcards, AMQP style: '*' is exactly one segment, '#' is zero or more.
bus.Subscribe("order.*", e => Console.WriteLine($"[audit]   saw {e.Type} (correlation {e.CorrelationId})"));
bus.Subscribe("#.failed", e => Console.WriteLine($"[alerts]  {e.Type} for {e.Subject}"));

await bus.PublishAsync(new OrderPlaced("A-1", 42.50m), new PublishOptions { Subject = "A-1" });
await bus.PublishAsync(new PaymentFailed("A-1", "card declined"), new PublishOptions { Subject = "A-1" });

// Priorities: while the report handler is busy, a High event overtakes the queued Low ones.
var busy = new TaskCompletionSource();
bus.Subscribe<ReportRequested>(async e =>
{
    await busy.Task;
    Console.WriteLine($"[reports] {e.Payload.Name,-8} priority {e.Priority}");
});
foreach (var name in new[] { "daily", "weekly", "monthly" })
{
    await bus.PublishAsync(new ReportRequested(name), new PublishOptions { Priority = EventPriority.Low });
}

await bus.PublishAsync(new ReportRequested("incident"), new PublishOptions { Priority = EventPriority.High });
busy.SetResult();

// Disposing the provider stops the bus: intake closes and every queued event is handled first.
await services.DisposeAsync();

[EventType("order.placed")]
sealed record OrderPlaced(string OrderId, decimal Total);

[EventType("payment.failed")]
sealed record PaymentFailed(string OrderId, string Reason);

[EventType("report.requested")]
sealed record ReportRequested(string Name);
