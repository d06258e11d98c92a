using EventBus.Samples.Orders.Contracts;
using EventBus.Samples.Orders.Demo;
using EventBus.Samples.Orders.Services;
using EventBus.Tests.Sagas;
using Microsoft.Extensions.Time.Testing;

namespace EventBus.Tests.Samples.OrderSaga;

/// <summary>Runs the sample end to end on the real bus with a fake clock: the payment timeouts fire when the test
/// moves the clock, once every silent payment request is out.</summary>
public static class SampleRun
{
    public static readonly DateTimeOffset Start = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    /// <summary>Bus settings for runs on a fake clock: the saga flows are under test here, not the failure policy,
    /// whose per-attempt timeouts and retry delays would otherwise run on the same fake clock and fire (or wait
    /// for ever) whenever the test moves it to fire the payment timeouts.</summary>
    public static void OnFakeClock(EventBusOptions bus) => bus.Resilience.Enabled = false;

    public static async Task<DemoReport> RunAsync(
        DemoOptions options,
        Func<OrderSagaDemo, Task>? beforeFinish = null,
        Func<OrderSagaDemo, Task>? beforeTimeouts = null)
    {
        var time = new FakeTimeProvider(Start);
        await using var demo = OrderSagaDemo.Create(options, time, configureBus: OnFakeClock);
        await demo.StartAsync();
        var seen = new EventLog();
        demo.Bus.Subscribe("#", seen.Add);

        await demo.PlaceOrdersAsync();
        if (beforeTimeouts is not null)
        {
            await beforeTimeouts(demo);
        }

        var silent = demo.Orders.Count(o => o.Flow == OrderFlow.PaymentTimeout);
        if (silent > 0)
        {
            // The saga arms the timeout before it publishes the request, so every silent timeout is armed now.
            await seen.WaitForAsync<PaymentRequested>(p => p.Card == PaymentGateway.SilentCard, silent);

            // Moving the clock fires every armed timeout: first let every other order get past its payment, so no
            // timeout races a payment confirmation (that race has its own test).
            await seen.WaitForAsync(
                e => e.Payload is ReservationRequested || (e.Payload is OrderCancelled c && c.Reason.StartsWith("payment declined", StringComparison.Ordinal)),
                demo.Orders.Count - silent);
            time.Advance(options.PaymentTimeout);
        }

        await demo.Settled.WaitAsync(TimeSpan.FromSeconds(30));
        if (beforeFinish is not null)
        {
            await beforeFinish(demo);
        }

        return await demo.FinishAsync();
    }

    /// <summary>Gets the events of one order, in the order the bus carried them.</summary>
    public static IReadOnlyList<Event> EventsOf(this DemoReport report, string orderId) =>
        [.. report.Timeline.Where(e => OrderOutcome.OrderIdOf(e) == orderId)];

    public static PlannedOrder OrderWith(this DemoReport report, OrderFlow flow) => report.Orders.First(o => o.Flow == flow);
}
