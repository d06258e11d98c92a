using EventBus.Samples.Orders.Contracts;
using EventBus.Samples.Orders.Demo;
using EventBus.Samples.Orders.Services;
using Microsoft.Extensions.DependencyInjection;

namespace EventBus.Tests.Samples.OrderSaga;

/// <summary>The sample as a user runs it: its own simulated clock, its exit code, where it writes the diagram.</summary>
public sealed class DemoProgramTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("order-saga-").FullName;

    [Fact]
    public async Task Run_DefaultSimulatedClock_EveryOrderEndsAsPlannedAndExitsZero()
    {
        var diagram = Path.Combine(_directory, "flow.md");
        var output = new StringWriter();

        var exit = await DemoProgram.RunAsync(["--diagram", diagram], output, TextWriter.Null);

        exit.Should().Be(0, output.ToString());
        output.ToString().Should().Contain("12 of 12 orders ended as planned")
            .And.Contain("simulated clock")
            .And.Contain("Dead letters: none")
            .And.Contain($"written to {diagram}");
        File.Exists(diagram).Should().BeTrue();
    }

    [Fact]
    public async Task Run_WithManyOrders_TimeoutsFireOnlyAfterEverythingElse()
    {
        // The payment timeout is tiny: on a wall clock most payments would lose the race; the simulated clock moves
        // only when no order can go further without it, so only the silent cards time out.
        var options = new DemoOptions { Orders = 60, PaymentTimeout = TimeSpan.FromMilliseconds(1), DiagramPath = Path.Combine(_directory, "flow.md") };
        await using var demo = OrderSagaDemo.Create(options);
        await demo.StartAsync();
        await demo.PlaceOrdersAsync();

        var settled = await demo.WaitUntilSettledAsync(DemoProgram.SafetyNet);
        var report = await demo.FinishAsync();

        settled.Should().BeTrue();
        report.AllAsPlanned.Should().BeTrue(ReportWriter.RenderSummary(report));
        var timedOut = report.Timeline.Where(e => e.Payload is PaymentTimedOut).Select(e => ((PaymentTimedOut)e.Payload!).OrderId);
        timedOut.Should().BeEquivalentTo(report.Orders.Where(o => o.Flow == OrderFlow.PaymentTimeout).Select(o => o.Order.OrderId));
    }

    [Fact]
    public async Task Run_BrokenFlow_ExitsOneAndSaysSo()
    {
        // An empty warehouse: the orders planned to complete or to fail at shipping are cancelled for want of stock.
        var output = new StringWriter();

        var exit = await DemoProgram.RunAsync(
            ["--orders", "6", "--diagram", Path.Combine(_directory, "flow.md")],
            output,
            TextWriter.Null,
            services => services.AddSingleton(new Warehouse(stockPerSku: 0)));

        exit.Should().Be(1, output.ToString());
        output.ToString().Should().Contain("3 of 6 orders ended as planned").And.Contain("Some orders ended otherwise than planned");
    }

    [Fact]
    public async Task Run_BadOption_ExitsTwo()
    {
        var error = new StringWriter();

        var exit = await DemoProgram.RunAsync(["--clock", "sundial"], TextWriter.Null, error);

        exit.Should().Be(2);
        error.ToString().Should().Contain("--clock: 'sundial' is not a clock; use simulated or system.");
    }

    [Fact]
    public async Task Run_Sqlite_WritesTheDatabaseWhereItSays()
    {
        var database = Path.Combine(_directory, "orders.db");
        var output = new StringWriter();

        var exit = await DemoProgram.RunAsync(["--orders", "6", "--db", database, "--diagram", Path.Combine(_directory, "flow.md")], output, TextWriter.Null);

        exit.Should().Be(0, output.ToString());
        File.Exists(database).Should().BeTrue();
        output.ToString().Should().Contain($"The database {database} now holds 6 orders");
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
