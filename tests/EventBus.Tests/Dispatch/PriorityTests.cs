using EventBus.Tests.TestSupport;

namespace EventBus.Tests.Dispatch;

public class PriorityTests
{
    private static async Task<(BusFixture Fixture, Recorder<string> Order, TaskCompletionSource Gate)> StartBlockedAsync()
    {
        var fx = await BusFixture.StartAsync();
        var order = new Recorder<string>();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        fx.Bus.Subscribe("job.#", async (e, _) =>
        {
            if (e.Subject == "blocker")
            {
                started.SetResult();
                await gate.Task;
            }

            order.Add(e.Subject!);
        });

        await fx.Bus.PublishAsync(new Event("job.run") { Subject = "blocker" });
        await started.Task;
        return (fx, order, gate);
    }

    private static ValueTask Publish(BusFixture fx, string subject, EventPriority priority) =>
        fx.Bus.PublishAsync(new Event("job.run") { Subject = subject, Priority = priority });

    [Fact]
    public async Task Backlog_HighFirstThenNormalThenLow_FifoWithinPriority()
    {
        var (fx, order, gate) = await StartBlockedAsync();
        await using var _ = fx;

        await Publish(fx, "low-1", EventPriority.Low);
        await Publish(fx, "low-2", EventPriority.Low);
        await Publish(fx, "normal-1", EventPriority.Normal);
        await Publish(fx, "high-1", EventPriority.High);
        await Publish(fx, "high-2", EventPriority.High);
        gate.SetResult();

        await order.WaitForAsync(6);
        order.Items.Should().Equal("blocker", "high-1", "high-2", "normal-1", "low-1", "low-2");
    }

    [Fact]
    public async Task Backlog_LowIsNotStarved_ServedWithinSixteenDeliveries()
    {
        var (fx, order, gate) = await StartBlockedAsync();
        await using var _ = fx;

        await Publish(fx, "low", EventPriority.Low);
        for (var i = 0; i < 200; i++)
        {
            await Publish(fx, $"high-{i}", EventPriority.High);
        }

        gate.SetResult();

        await order.WaitForAsync(202);
        order.Items.ToList().IndexOf("low").Should().BeInRange(1, 16, "weighted round robin serves Low at least once per 16 deliveries");
    }

    [Fact]
    public async Task Backlog_AllLanesFull_ServedInTenFiveOneProportion()
    {
        var (fx, order, gate) = await StartBlockedAsync();
        await using var _ = fx;

        for (var i = 0; i < 64; i++)
        {
            await Publish(fx, $"L{i}", EventPriority.Low);
            await Publish(fx, $"N{i}", EventPriority.Normal);
            await Publish(fx, $"H{i}", EventPriority.High);
        }

        gate.SetResult();

        await order.WaitForAsync(1 + (64 * 3));
        var window = order.Items.Skip(1 + 16).Take(32).ToList(); // two full rounds after the first one
        window.Count(s => s[0] == 'H').Should().Be(20);
        window.Count(s => s[0] == 'N').Should().Be(10);
        window.Count(s => s[0] == 'L').Should().Be(2);
    }

    [Fact]
    public async Task HighEvent_BehindLargeLowBacklog_IsHandledNext()
    {
        var (fx, order, gate) = await StartBlockedAsync();
        await using var _ = fx;

        for (var i = 0; i < 5_000; i++)
        {
            await Publish(fx, $"low-{i}", EventPriority.Low);
        }

        await Publish(fx, "urgent", EventPriority.High);
        gate.SetResult();

        await order.WaitForAsync(5_002);
        order.Items[1].Should().Be("urgent");
    }
}
