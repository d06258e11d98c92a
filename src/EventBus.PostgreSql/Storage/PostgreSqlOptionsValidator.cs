using Microsoft.Extensions.Options;
using Npgsql;

namespace EventBus.PostgreSql.Storage;

/// <summary>Validates <see cref="PostgreSqlOptions"/> at start; messages never repeat the connection string, which
/// may hold a password.</summary>
internal sealed class PostgreSqlOptionsValidator(bool hasDataSource) : IValidateOptions<PostgreSqlOptions>
{
    public PostgreSqlOptionsValidator()
        : this(hasDataSource: false)
    {
    }

    public ValidateOptionsResult Validate(string? name, PostgreSqlOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (!hasDataSource)
        {
            ValidateConnectionString(options.ConnectionString, failures);
        }

        if (!PostgreSqlSchema.IsValidSchemaName(options.Schema))
        {
            failures.Add($"PostgreSql:Schema must be 1 to {PostgreSqlConstants.MaxIdentifierLength} letters, digits or underscores, starting with a letter or an underscore (was '{options.Schema}').");
        }

        if (options.PollInterval != Timeout.InfiniteTimeSpan && (options.PollInterval <= TimeSpan.Zero || options.PollInterval > PostgreSqlConstants.MaxTimeSpan))
        {
            failures.Add($"PostgreSql:PollInterval must be positive and at most {PostgreSqlConstants.MaxTimeSpan}, or Timeout.InfiniteTimeSpan to turn it off (was {options.PollInterval}).");
        }

        ValidateLeases(options, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Throws <see cref="OptionsValidationException"/> when <paramref name="options"/> are invalid; for
    /// stores built without the options pipeline.</summary>
    public static void ThrowIfInvalid(PostgreSqlOptions options, bool hasDataSource)
    {
        var result = new PostgreSqlOptionsValidator(hasDataSource).Validate(Options.DefaultName, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(PostgreSqlOptions), result.Failures);
        }
    }

    private static void ValidateLeases(PostgreSqlOptions options, List<string> failures)
    {
        ValidatePositive(nameof(options.LeaseDuration), options.LeaseDuration, failures);
        ValidatePositive(nameof(options.LeaseRenewInterval), options.LeaseRenewInterval, failures);
        ValidatePositive(nameof(options.LeaseAcquireInterval), options.LeaseAcquireInterval, failures);
        if (options.LeaseRenewInterval > TimeSpan.Zero && options.LeaseRenewInterval >= options.LeaseDuration)
        {
            failures.Add($"PostgreSql:LeaseRenewInterval must be shorter than PostgreSql:LeaseDuration, so a lease is renewed before it lapses (was {options.LeaseRenewInterval}, lease duration {options.LeaseDuration}).");
        }
    }

    private static void ValidatePositive(string name, TimeSpan value, List<string> failures)
    {
        if (value <= TimeSpan.Zero || value > PostgreSqlConstants.MaxTimeSpan)
        {
            failures.Add($"PostgreSql:{name} must be positive and at most {PostgreSqlConstants.MaxTimeSpan} (was {value}).");
        }
    }

    private static void ValidateConnectionString(string? connectionString, List<string> failures)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            failures.Add("PostgreSql:ConnectionString is required, such as \"Host=localhost;Database=app;Username=app;Password=…\".");
            return;
        }

        try
        {
            _ = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidOperationException or KeyNotFoundException)
        {
            // The parser's message names the bad keyword; the connection string itself is not repeated.
            failures.Add($"PostgreSql:ConnectionString is not a valid Npgsql connection string: {ex.Message}");
        }
    }
}
