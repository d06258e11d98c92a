using EventBus.PostgreSql.Tests.TestSupport;
using EventBus.Samples.Orders;
using EventBus.Samples.Orders.Demo;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace EventBus.PostgreSql.Tests.Samples;

/// <summary>The OrderSaga sample with <c>--store postgres</c>: run twice on one schema, the second run sees the first
/// run's orders and numbers its own after them; a server that refuses the login is reported without the
/// password.</summary>
public sealed class OrderSagaPostgreSqlTests : IAsyncDisposable
{
    private static readonly DateTimeOffset SampleStart = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private readonly TestSchema _schema = new();

    public ValueTask DisposeAsync() => _schema.DisposeAsync();

    [Fact]
    public async Task TwoRuns_OnOneSchema_SecondSeesTheFirstRunsOrders()
    {
        // Three orders take the happy path, a declined card and a sold-out item: none waits for a payment timeout,
        // so the fake clock never has to move.
        var options = new DemoOptions
        {
            Orders = 3,
            Store = DemoStore.PostgreSql,
            PostgreSql = PostgreSqlConnection.Parse(_schema.ConnectionString),
            PostgreSqlSchema = _schema.Name,
            DiagramPath = Path.Combine(Path.GetTempPath(), $"order-saga-{_schema.Name}.md"),
        };

        var (firstEarlier, first) = await RunAsync(options);
        var (secondEarlier, second) = await RunAsync(options);

        firstEarlier.Orders.Should().Be(0);
        first.Healthy.Should().BeTrue();
        first.AllAsPlanned.Should().BeTrue();
        first.Orders.Select(o => o.Order.OrderId).Should().Equal("A-1001", "A-1002", "A-1003");

        secondEarlier.Orders.Should().Be(3);
        secondEarlier.HighestOrderNumber.Should().Be(1003);
        secondEarlier.ByStatus.Should().BeEquivalentTo(new Dictionary<SagaStatus, int> { [SagaStatus.Completed] = 1, [SagaStatus.Compensated] = 2 });
        second.Healthy.Should().BeTrue();
        second.Orders.Select(o => o.Order.OrderId).Should().Equal("A-1004", "A-1005", "A-1006");
        second.Outcomes.Select(o => o.Summary).Should().Equal(first.Outcomes.Select(o => o.Summary));
        second.DeadLetters.Should().BeEmpty();
    }

    [Fact]
    public async Task Run_ServerRefusesTheLogin_ExitsWithTwoAndNeverPrintsThePassword()
    {
        var password = "wrong-" + Guid.NewGuid().ToString("N");
        var connectionString = new NpgsqlConnectionStringBuilder(_schema.ConnectionString) { Password = password }.ConnectionString;
        var output = new StringWriter();
        var error = new StringWriter();

        var exitCode = await DemoProgram.RunAsync(["--store", "postgres", "--connection", connectionString, "--orders", "1"], output, error);

        exitCode.Should().Be(2);
        error.ToString().Should().StartWith("Cannot use PostgreSQL (database ")
            .And.Contain("28P01")
            .And.NotContain(password);
        output.ToString().Should().NotContain(password);
    }

    private static async Task<(EarlierRuns Earlier, DemoReport Report)> RunAsync(DemoOptions options)
    {
        // Resilience off on the fake clock, as in the SQLite sample test: retry delays would wait on a clock that
        // never moves.
        await using var demo = OrderSagaDemo.Create(options, new FakeTimeProvider(SampleStart), configureBus: bus => bus.Resilience.Enabled = false);
        await demo.StartAsync(TestContext.Current.CancellationToken);
        await demo.PlaceOrdersAsync(TestContext.Current.CancellationToken);
        await demo.Settled.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        return (demo.EarlierRuns, await demo.FinishAsync(TestContext.Current.CancellationToken));
    }
}
