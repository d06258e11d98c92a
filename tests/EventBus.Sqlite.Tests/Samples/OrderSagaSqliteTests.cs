using EventBus.Samples.Orders;
using EventBus.Samples.Orders.Demo;
using EventBus.Sqlite.Tests.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace EventBus.Sqlite.Tests.Samples;

/// <summary>The OrderSaga sample with <c>--store sqlite</c>, run twice on one file: the second run sees the first
/// run's orders, numbers its own after them, and both runs' instances stay in the database.</summary>
public sealed class OrderSagaSqliteTests : IDisposable
{
    private static readonly DateTimeOffset SampleStart = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private readonly TempDatabase _file = new();

    public void Dispose() => _file.Dispose();

    [Fact]
    public async Task TwoRuns_OnOneDatabase_SecondSeesTheFirstRunsOrders()
    {
        // Three orders take the happy path, a declined card and a sold-out item: none waits for a payment timeout,
        // so the fake clock never has to move.
        var options = new DemoOptions { Orders = 3, Store = DemoStore.Sqlite, DatabasePath = _file.Path, DiagramPath = Path.Combine(_file.Directory, "flow.md") };

        var (firstEarlier, first) = await RunAsync(options);
        var (secondEarlier, second) = await RunAsync(options);

        firstEarlier.Orders.Should().Be(0);
        first.Healthy.Should().BeTrue();
        first.Orders.Select(o => o.Order.OrderId).Should().Equal("A-1001", "A-1002", "A-1003");

        secondEarlier.Orders.Should().Be(3);
        secondEarlier.HighestOrderNumber.Should().Be(1003);
        secondEarlier.ByStatus.Should().BeEquivalentTo(new Dictionary<SagaStatus, int> { [SagaStatus.Completed] = 1, [SagaStatus.Compensated] = 2 });
        second.Healthy.Should().BeTrue();
        second.Orders.Select(o => o.Order.OrderId).Should().Equal("A-1004", "A-1005", "A-1006");
        second.Outcomes.Select(o => o.Summary).Should().Equal(first.Outcomes.Select(o => o.Summary));

        await using var third = OrderSagaDemo.Create(options, new FakeTimeProvider(SampleStart), configureBus: bus => bus.Resilience.Enabled = false); // see SampleRun.OnFakeClock
        var stored = new List<SagaInstance>();
        await foreach (var instance in third.Sagas.QueryAsync(new SagaQuery { SagaName = nameof(OrderSaga) }, TestContext.Current.CancellationToken))
        {
            stored.Add(instance);
        }

        stored.Select(i => i.CorrelationKey).Should().BeEquivalentTo("A-1001", "A-1002", "A-1003", "A-1004", "A-1005", "A-1006");
        var firstOrder = await third.Sagas.FindAsync<OrderState>(nameof(OrderSaga), "A-1001", TestContext.Current.CancellationToken);
        firstOrder!.Status.Should().Be(SagaStatus.Completed);
        firstOrder.State.TrackingNumber.Should().NotBeNullOrEmpty();
    }

    private static async Task<(EarlierRuns Earlier, DemoReport Report)> RunAsync(DemoOptions options)
    {
        await using var demo = OrderSagaDemo.Create(options, new FakeTimeProvider(SampleStart), configureBus: bus => bus.Resilience.Enabled = false); // see SampleRun.OnFakeClock
        await demo.StartAsync(TestContext.Current.CancellationToken);
        await demo.PlaceOrdersAsync(TestContext.Current.CancellationToken);
        await demo.Settled.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        return (demo.EarlierRuns, await demo.FinishAsync(TestContext.Current.CancellationToken));
    }
}
