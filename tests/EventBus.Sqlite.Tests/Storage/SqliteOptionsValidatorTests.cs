using EventBus.Sqlite.Storage;

namespace EventBus.Sqlite.Tests.Storage;

public sealed class SqliteOptionsValidatorTests
{
    private static IEnumerable<string> Failures(Action<SqliteOptions> configure)
    {
        var options = new SqliteOptions { ConnectionString = "Data Source=eventbus.db" };
        configure(options);
        return new SqliteOptionsValidator().Validate(null, options).Failures ?? [];
    }

    [Fact]
    public void Validate_Defaults_Succeed() => Failures(_ => { }).Should().BeEmpty();

    [Theory]
    [InlineData("", "is required")]
    [InlineData("Data Source=:memory:", "in-memory")]
    [InlineData("Data Source=x.db;Mode=Memory", "in-memory")]
    [InlineData("Data Source=x.db;Mode=ReadOnly", "read-only")]
    [InlineData("Mode=ReadWriteCreate", "no Data Source")]
    [InlineData("Data Source=x.db;Colour=blue", "not a valid SQLite connection string")]
    public void Validate_BadConnectionString_NamesTheProblem(string connectionString, string expected) =>
        Failures(o => o.ConnectionString = connectionString).Should().ContainSingle().Which.Should().Contain(expected);

    [Fact]
    public void Validate_BadPassword_IsNotRepeatedInTheFailure() =>
        Failures(o => o.ConnectionString = "Data Source=:memory:;Password=hunter2").Should().OnlyContain(f => !f.Contains("hunter2"));

    [Fact]
    public void Validate_OutOfRangeSettings_AreReported()
    {
        Failures(o => o.BusyTimeout = TimeSpan.Zero).Should().ContainSingle().Which.Should().Contain("BusyTimeout");
        Failures(o => o.BusyTimeout = TimeSpan.FromDays(30)).Should().ContainSingle().Which.Should().Contain("BusyTimeout");
        Failures(o => o.PollInterval = TimeSpan.Zero).Should().ContainSingle().Which.Should().Contain("PollInterval");
        Failures(o => o.PollInterval = Timeout.InfiniteTimeSpan).Should().BeEmpty();
        Failures(o => o.MaxWritesPerTransaction = 0).Should().ContainSingle().Which.Should().Contain("MaxWritesPerTransaction");
        Failures(o => o.Synchronous = (SqliteSynchronousMode)7).Should().ContainSingle().Which.Should().Contain("Synchronous");
    }
}
