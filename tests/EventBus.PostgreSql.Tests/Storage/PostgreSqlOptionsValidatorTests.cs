using EventBus.PostgreSql.Storage;

namespace EventBus.PostgreSql.Tests.Storage;

public sealed class PostgreSqlOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_WithConnectionString_Succeed()
    {
        var result = new PostgreSqlOptionsValidator().Validate(null, new PostgreSqlOptions { ConnectionString = "Host=localhost;Username=app" });

        result.Succeeded.Should().BeTrue();
    }

    [Theory]
    [InlineData("eventbus")]
    [InlineData("Mixed_Case_2")]
    [InlineData("_private")]
    public void Validate_SchemaNames_AreAccepted(string schema) =>
        new PostgreSqlOptionsValidator(hasDataSource: true).Validate(null, new PostgreSqlOptions { Schema = schema }).Succeeded.Should().BeTrue();

    [Theory]
    [InlineData("")]
    [InlineData("1starts_with_digit")]
    [InlineData("has space")]
    [InlineData("quote\"d")]
    [InlineData("semi;colon")]
    [InlineData("sixty_four_characters_are_one_too_many_for_a_postgresql_name_xyz")]
    public void Validate_BadSchemaNames_AreRejected(string schema)
    {
        var result = new PostgreSqlOptionsValidator(hasDataSource: true).Validate(null, new PostgreSqlOptions { Schema = schema });

        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Contain("PostgreSql:Schema");
    }

    [Fact]
    public void Validate_MissingOrBrokenConnectionString_IsRejectedWithoutRepeatingIt()
    {
        var missing = new PostgreSqlOptionsValidator().Validate(null, new PostgreSqlOptions());
        var broken = new PostgreSqlOptionsValidator().Validate(null, new PostgreSqlOptions { ConnectionString = "Password=hunter2;NoSuchKeyword=1" });

        missing.FailureMessage.Should().Contain("PostgreSql:ConnectionString is required");
        broken.FailureMessage.Should().Contain("not a valid Npgsql connection string").And.NotContain("hunter2");
    }

    [Fact]
    public void Validate_WithDataSource_NeedsNoConnectionString_AndPollIntervalIsChecked()
    {
        var validator = new PostgreSqlOptionsValidator(hasDataSource: true);

        validator.Validate(null, new PostgreSqlOptions()).Succeeded.Should().BeTrue();
        validator.Validate(null, new PostgreSqlOptions { PollInterval = Timeout.InfiniteTimeSpan }).Succeeded.Should().BeTrue();
        validator.Validate(null, new PostgreSqlOptions { PollInterval = TimeSpan.FromMilliseconds(-5) }).FailureMessage.Should().Contain("PollInterval");
    }

    [Fact]
    public void Validate_LeaseDefaults_Are15s5s2s_AndValid()
    {
        var options = new PostgreSqlOptions();

        options.LeaseDuration.Should().Be(TimeSpan.FromSeconds(15));
        options.LeaseRenewInterval.Should().Be(TimeSpan.FromSeconds(5));
        options.LeaseAcquireInterval.Should().Be(TimeSpan.FromSeconds(2));
        new PostgreSqlOptionsValidator(hasDataSource: true).Validate(null, options).Succeeded.Should().BeTrue();
    }

    [Theory]
    [InlineData(nameof(PostgreSqlOptions.LeaseDuration), 0)]
    [InlineData(nameof(PostgreSqlOptions.LeaseDuration), -1)]
    [InlineData(nameof(PostgreSqlOptions.LeaseRenewInterval), 0)]
    [InlineData(nameof(PostgreSqlOptions.LeaseAcquireInterval), -5)]
    public void Validate_LeaseTimingNotPositive_IsRejectedNamingIt(string option, int milliseconds)
    {
        var options = new PostgreSqlOptions();
        typeof(PostgreSqlOptions).GetProperty(option)!.SetValue(options, TimeSpan.FromMilliseconds(milliseconds));

        var result = new PostgreSqlOptionsValidator(hasDataSource: true).Validate(null, options);

        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Contain($"PostgreSql:{option} must be positive");
    }

    [Fact]
    public void Validate_RenewIntervalNotShorterThanTheLease_IsRejected()
    {
        var options = new PostgreSqlOptions { LeaseDuration = TimeSpan.FromSeconds(5), LeaseRenewInterval = TimeSpan.FromSeconds(5) };

        var result = new PostgreSqlOptionsValidator(hasDataSource: true).Validate(null, options);

        result.FailureMessage.Should().Contain("PostgreSql:LeaseRenewInterval must be shorter than PostgreSql:LeaseDuration");
    }
}
