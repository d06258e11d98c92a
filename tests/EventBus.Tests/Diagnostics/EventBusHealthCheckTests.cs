using EventBus.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EventBus.Tests.Diagnostics;

public sealed class EventBusHealthCheckTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<HealthCheckResult> CheckAsync(BusFixture fixture) =>
        fixture.Provider.GetRequiredService<EventBusHealthCheck>().CheckHealthAsync(new HealthCheckContext(), Ct);

    [Fact]
    public async Task CheckHealth_IdleBus_IsHealthy()
    {
        await using var fixture = await BusFixture.StartAsync(b => b.AddHealthCheck());
        fixture.Bus.Subscribe<OrderPlaced>(_ => { }, new SubscriptionOptions { Name = "billing" });

        var result = await CheckAsync(fixture);

        result.Status.Should().Be(HealthStatus.Healthy);
        result.Data["billing.queued"].Should().Be(0);
        result.Data["billing.circuit"].Should().Be("Closed");
    }

    [Fact]
    public async Task CheckHealth_RecentDeadLetters_IsDegradedUntilIntervalPasses()
    {
        var clock = new TestClock();
        var logs = new LogRecorder();
        await using var fixture = await FailureBus.StartAsync(clock, logs, configure: b => b.AddHealthCheck(o =>
        {
            o.Interval = TimeSpan.FromSeconds(30);
            o.DeadLetterThreshold = 2;
        }));
        fixture.Bus.Subscribe<OrderPlaced>(_ => throw new InvalidOperationException());

        await fixture.Bus.PublishAsync(new OrderPlaced("1"), cancellationToken: Ct);
        await logs.WaitForAsync("EventDeadLettered");
        (await CheckAsync(fixture)).Status.Should().Be(HealthStatus.Healthy);

        await fixture.Bus.PublishAsync(new OrderPlaced("2"), cancellationToken: Ct);
        await logs.WaitForAsync("EventDeadLettered", 2);
        var degraded = await CheckAsync(fixture);
        degraded.Status.Should().Be(HealthStatus.Degraded);
        degraded.Data["deadLetters.recent"].Should().Be(2);

        clock.Advance(TimeSpan.FromSeconds(31));
        (await CheckAsync(fixture)).Status.Should().Be(HealthStatus.Healthy);
    }

    [Fact]
    public async Task CheckHealth_QueueNearCapacity_IsUnhealthy()
    {
        await using var fixture = await BusFixture.StartAsync(b => b.AddHealthCheck(o => o.QueueCapacityThreshold = 0.5));
        var gate = new TaskCompletionSource();
        var started = new Recorder<int>();
        fixture.Bus.Subscribe<OrderPlaced>(async (_, _) =>
        {
            started.Add(1);
            await gate.Task;
        }, new SubscriptionOptions { Name = "slow", Capacity = 4 });

        await fixture.Bus.PublishAsync(new OrderPlaced("1"), cancellationToken: Ct);
        await started.WaitForAsync(1);
        await fixture.Bus.PublishAsync(new OrderPlaced("2"), cancellationToken: Ct);
        (await CheckAsync(fixture)).Status.Should().Be(HealthStatus.Healthy);
        await fixture.Bus.PublishAsync(new OrderPlaced("3"), cancellationToken: Ct);

        var result = await CheckAsync(fixture);
        gate.SetResult();

        result.Status.Should().Be(HealthStatus.Unhealthy);
        result.Description.Should().Contain("'slow' queue is near capacity (2/4)");
    }

    [Fact]
    public async Task CheckHealth_RegisteredWithHealthCheckRegistration_UsesItsFailureStatus()
    {
        await using var fixture = await BusFixture.StartAsync(b => b.AddHealthCheck(o => o.QueueCapacityThreshold = 0.01));
        var gate = new TaskCompletionSource();
        var started = new Recorder<int>();
        fixture.Bus.Subscribe<OrderPlaced>(async (_, _) =>
        {
            started.Add(1);
            await gate.Task;
        }, new SubscriptionOptions { Capacity = 10 });
        await fixture.Bus.PublishAsync(new OrderPlaced("1"), cancellationToken: Ct);
        await started.WaitForAsync(1);
        await fixture.Bus.PublishAsync(new OrderPlaced("2"), cancellationToken: Ct);
        var check = fixture.Provider.GetRequiredService<EventBusHealthCheck>();
        var context = new HealthCheckContext { Registration = new HealthCheckRegistration("eventbus", check, HealthStatus.Degraded, null) };

        var result = await check.CheckHealthAsync(context, Ct);
        gate.SetResult();

        result.Status.Should().Be(HealthStatus.Degraded);
    }
}
