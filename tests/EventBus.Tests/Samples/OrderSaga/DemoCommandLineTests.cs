using EventBus.Samples.Orders.Demo;

namespace EventBus.Tests.Samples.OrderSaga;

public sealed class DemoCommandLineTests
{
    [Fact]
    public void Parse_NoArguments_ReturnsDefaults()
    {
        var result = DemoCommandLine.Parse([]);

        result.Error.Should().BeNull();
        result.ShowHelp.Should().BeFalse();
        result.Options.Should().Be(new DemoOptions());
    }

    [Fact]
    public void Parse_EveryOption_SetsIt()
    {
        var result = DemoCommandLine.Parse(
        [
            "--orders", "30", "--seed", "9", "--decline-rate", "0.2", "--out-of-stock-rate", "0.1",
            "--payment-timeout-rate", "0.05", "--shipping-failure-rate", "0.15", "--duplicate-rate", "0.25",
            "--payment-timeout", "800ms", "--diagram", "out/flow.md", "--verbose",
        ]);

        result.Error.Should().BeNull();
        result.Options.Should().BeEquivalentTo(new
        {
            Orders = 30,
            Seed = 9,
            DeclineRate = 0.2,
            OutOfStockRate = 0.1,
            PaymentTimeoutRate = 0.05,
            ShippingFailureRate = 0.15,
            DuplicateRate = 0.25,
            PaymentTimeout = TimeSpan.FromMilliseconds(800),
            DiagramPath = Path.GetFullPath("out/flow.md"),
            Verbose = true,
        });
    }

    [Fact]
    public void Parse_StoreSqliteWithDb_SetsStoreAndFullPath()
    {
        var result = DemoCommandLine.Parse(["--store", "sqlite", "--db", "data/orders.db"]);

        result.Error.Should().BeNull();
        result.Options!.Store.Should().Be(DemoStore.Sqlite);
        result.Options.DatabasePath.Should().Be(Path.GetFullPath("data/orders.db"));
    }

    [Fact]
    public void Parse_DbAlone_ImpliesSqlite()
    {
        var result = DemoCommandLine.Parse(["--db", "orders.db"]);

        result.Options!.Store.Should().Be(DemoStore.Sqlite);
    }

    [Theory]
    [InlineData(new[] { "--store", "postgres" }, "--store: 'postgres' is not a store; use memory or sqlite.")]
    [InlineData(new[] { "--store", "memory", "--db", "orders.db" }, "--db needs --store sqlite.")]
    public void Parse_BadStore_ReportsTheProblem(string[] args, string error)
    {
        var result = DemoCommandLine.Parse(args);

        result.Error.Should().Be(error);
        DemoCommandLine.Help.Should().Contain("--store <memory|sqlite>").And.Contain("--db <path>");
    }

    [Fact]
    public void Parse_NoArguments_WritesDiagramAndDatabaseToTheCurrentDirectoryOnTheSimulatedClock()
    {
        var options = DemoCommandLine.Parse([]).Options!;

        options.DiagramPath.Should().Be(Path.Combine(Environment.CurrentDirectory, "order-saga-flow.md"));
        options.DatabasePath.Should().Be(Path.Combine(Environment.CurrentDirectory, "order-saga.db"));
        options.Clock.Should().Be(DemoClock.Simulated);
        options.PaymentTimeout.Should().Be(DemoOptions.DefaultPaymentTimeout);
    }

    [Fact]
    public void Parse_SystemClock_DefaultsToATimeoutFarAboveNormalLatencies()
    {
        var options = DemoCommandLine.Parse(["--clock", "system"]).Options!;

        options.Clock.Should().Be(DemoClock.System);
        options.PaymentTimeout.Should().Be(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void Parse_SystemClockWithTimeout_KeepsTheGivenTimeout()
    {
        var options = DemoCommandLine.Parse(["--payment-timeout", "5s", "--clock", "system"]).Options!;

        options.PaymentTimeout.Should().Be(TimeSpan.FromSeconds(5));
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public void Parse_Help_AsksForHelp(string flag)
    {
        var result = DemoCommandLine.Parse(["--orders", "3", flag]);

        result.ShowHelp.Should().BeTrue();
        DemoCommandLine.Help.Should().Contain("--orders").And.Contain("--payment-timeout").And.Contain("--diagram").And.Contain("--seed");
    }

    [Theory]
    [InlineData(new[] { "--orders" }, "--orders needs a value.")]
    [InlineData(new[] { "--orders", "many" }, "--orders: 'many' is not a valid value.")]
    [InlineData(new[] { "--orders", "0" }, "--orders must be between 1 and 10000 (was 0).")]
    [InlineData(new[] { "--bogus", "1" }, "Unknown option --bogus. Run with --help to see the options.")]
    [InlineData(new[] { "--decline-rate", "1.5" }, "The rate for PaymentDeclined must be between 0 and 1 (was 1.5).")]
    [InlineData(new[] { "--decline-rate", "0.6", "--duplicate-rate", "0.6" }, "The failure and duplicate rates add up to 1.5; together they must not exceed 1.")]
    [InlineData(new[] { "--payment-timeout", "0s" }, "--payment-timeout must be more than 0 and at most 10 minutes (was 00:00:00).")]
    public void Parse_BadInput_ReturnsClearError(string[] args, string error)
    {
        var result = DemoCommandLine.Parse(args);

        result.Options.Should().BeNull();
        result.Error.Should().Be(error);
    }

    [Theory]
    [InlineData("1.5s", 1500)]
    [InlineData("800ms", 800)]
    [InlineData("00:00:02", 2000)]
    [InlineData("3S", 3000)]
    public void ParseDuration_Formats_AreRead(string text, int milliseconds)
    {
        DemoCommandLine.ParseDuration(text).Should().Be(TimeSpan.FromMilliseconds(milliseconds));
    }
}
