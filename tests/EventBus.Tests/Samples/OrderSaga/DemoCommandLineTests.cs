using EventBus.Samples.Orders.Demo;

namespace EventBus.Tests.Samples.OrderSaga;

public sealed class DemoCommandLineTests
{
    private static readonly Func<string, string?> NoEnvironment = _ => null;

    private static Func<string, string?> Environment(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

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
    [InlineData(new[] { "--store", "oracle" }, "--store: 'oracle' is not a store; use memory, sqlite or postgres.")]
    [InlineData(new[] { "--store", "memory", "--db", "orders.db" }, "--db needs --store sqlite.")]
    [InlineData(new[] { "--store", "sqlite", "--connection", "Host=db" }, "--connection needs --store postgres.")]
    [InlineData(new[] { "--store", "postgres", "--connection", "Host=db", "--db", "orders.db" }, "--db needs --store sqlite.")]
    public void Parse_BadStore_ReportsTheProblem(string[] args, string error)
    {
        var result = DemoCommandLine.Parse(args, NoEnvironment);

        result.Error.Should().Be(error);
        DemoCommandLine.Help.Should().Contain("--store <memory|sqlite|postgres>").And.Contain("--db <path>").And.Contain("--connection <string>");
    }

    [Theory]
    [InlineData("postgres")]
    [InlineData("PostgreSQL")]
    public void Parse_StorePostgresWithConnection_SetsStoreAndConnection(string store)
    {
        var result = DemoCommandLine.Parse(["--store", store, "--connection", "Host=db.local;Port=6543;Database=shop;Username=app;Password=s3cret"], NoEnvironment);

        result.Error.Should().BeNull();
        result.Options!.Store.Should().Be(DemoStore.PostgreSql);
        result.Options.PostgreSql!.ConnectionString.Should().Be("Host=db.local;Port=6543;Database=shop;Username=app;Password=s3cret");
        result.Options.PostgreSql.Description.Should().Be("database shop on db.local:6543 as app");
        result.Options.PostgreSqlSchema.Should().Be(DemoOptions.DefaultPostgreSqlSchema);
    }

    [Fact]
    public void Parse_ConnectionAlone_ImpliesPostgres()
    {
        var result = DemoCommandLine.Parse(["--connection", "Host=db"], NoEnvironment);

        result.Options!.Store.Should().Be(DemoStore.PostgreSql);
    }

    [Fact]
    public void Parse_StorePostgresWithoutConnection_TakesTheEnvironmentVariable()
    {
        var result = DemoCommandLine.Parse(["--store", "postgres"], Environment(("EVENTBUS_PG_CONNECTION_STRING", "Host=10.0.0.5;Database=ci;Username=ci;Password=pw")));

        result.Error.Should().BeNull();
        result.Options!.PostgreSql!.Description.Should().Be("database ci on 10.0.0.5:5432 as ci");
    }

    [Fact]
    public void Parse_ConnectionAndEnvironmentVariable_TheOptionWins()
    {
        var result = DemoCommandLine.Parse(["--connection", "Host=given"], Environment(("EVENTBUS_PG_CONNECTION_STRING", "Host=from-environment")));

        result.Options!.PostgreSql!.ConnectionString.Should().Be("Host=given");
    }

    [Fact]
    public void Parse_StorePostgresWithNoConnectionAnywhere_SaysHowToGiveOne()
    {
        var result = DemoCommandLine.Parse(["--store", "postgres"], NoEnvironment);

        result.Options.Should().BeNull();
        result.Error.Should().Be(DemoCommandLine.MissingConnection)
            .And.Contain("--connection").And.Contain("EVENTBUS_PG_CONNECTION_STRING");
    }

    [Theory]
    [InlineData("Host=db;Port=abc;Password=s3cret", "--connection: not a valid Npgsql connection string (Couldn't set port")]
    [InlineData("Hots=db;Password=s3cret", "--connection: not a valid Npgsql connection string (Couldn't set hots")]
    [InlineData("Password=s3cret;Database=shop", "--connection: the connection string names no server; add Host=…")]
    [InlineData("Host=db;Password=s3cret;Timeout=s3cret", "--connection: not a valid Npgsql connection string (Couldn't set timeout")]
    [InlineData("   ", "--connection: the connection string is empty.")]
    public void Parse_BadConnection_SaysWhatIsWrongWithoutThePassword(string connection, string start)
    {
        var result = DemoCommandLine.Parse(["--connection", connection], NoEnvironment);

        result.Options.Should().BeNull();
        result.Error.Should().StartWith(start).And.NotContain("s3cret");
    }

    [Fact]
    public void Parse_BadEnvironmentVariable_NamesTheVariableWithoutThePassword()
    {
        var result = DemoCommandLine.Parse(["--store", "postgres"], Environment(("EVENTBUS_PG_CONNECTION_STRING", "Host=db;Port=x;Password=s3cret")));

        result.Error.Should().StartWith("EVENTBUS_PG_CONNECTION_STRING: not a valid Npgsql connection string").And.NotContain("s3cret");
    }

    [Fact]
    public void PostgreSqlConnection_Printed_ShowsWhereButNotThePassword()
    {
        var options = DemoCommandLine.Parse(["--connection", "Host=db;Username=app;Password=s3cret"], NoEnvironment).Options!;

        options.PostgreSql!.ToString().Should().Be("database (the user's default) on db:5432 as app");
        options.ToString().Should().NotContain("s3cret");
    }

    [Fact]
    public void Redact_MessageWithThePassword_ReplacesIt()
    {
        PostgreSqlConnection.Redact("login with s3cret failed", "Host=db;Password = 's3cret'").Should().Be("login with *** failed");
    }

    [Fact]
    public void Parse_NoArguments_WritesDiagramAndDatabaseToTheCurrentDirectoryOnTheSimulatedClock()
    {
        var options = DemoCommandLine.Parse([]).Options!;

        options.DiagramPath.Should().Be(Path.Combine(System.Environment.CurrentDirectory, "order-saga-flow.md"));
        options.DatabasePath.Should().Be(Path.Combine(System.Environment.CurrentDirectory, "order-saga.db"));
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
