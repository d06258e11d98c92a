using EventBus.Tests.TestSupport;

namespace EventBus.Tests.Dispatch;

public class IsolationTests
{
    [Fact]
    public async Task BlockedHandler_DoesNotDelayOtherSubscribers()
    {
        await using var fx = await BusFixture.StartAsync();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slow = new Recorder<int>();
        var fast = new Recorder<int>();
        fx.Bus.Subscribe<OrderPlaced>(async e =>
        {
            await gate.Task;
            slow.Add(1);
        });
        fx.Bus.Subscribe<OrderPlaced>(_ => fast.Add(1));

        for (var i = 0; i < 500; i++)
        {
            await fx.Bus.PublishAsync(new OrderPlaced($"o-{i}"));
        }

        await fast.WaitForAsync(500);
        slow.Count.Should().Be(0, "the slow subscriber is still stuck on its first event");
        gate.SetResult();
        await slow.WaitForAsync(500);
    }

    [Fact]
    public async Task ThrowingHandler_DoesNotFailPublisherOrOtherSubscribers()
    {
        // The failing subscription retries and pauses on its breaker: stopping need not wait the default 30 s for it.
        await using var fx = await BusFixture.StartAsync(options: o => o.DrainTimeout = TimeSpan.FromSeconds(1));
        var healthy = new Recorder<string>();
        fx.Bus.Subscribe<OrderPlaced>(_ => throw new InvalidOperationException("boom"));
        fx.Bus.Subscribe<OrderPlaced>(e => healthy.Add(e.Payload.OrderId));

        for (var i = 0; i < 50; i++)
        {
            await fx.Bus.PublishAsync(new OrderPlaced($"o-{i}"));
        }

        await healthy.WaitForAsync(50);
        (await fx.DeadLettersAsync()).Should().HaveCountLessThanOrEqualTo(50);
    }
}
