using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace EventBus.Sqlite.Storage;

internal sealed class SqliteOptionsValidator : IValidateOptions<SqliteOptions>
{
    public ValidateOptionsResult Validate(string? name, SqliteOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        ValidateConnectionString(options.ConnectionString, failures);
        if (!Enum.IsDefined(options.Synchronous))
        {
            failures.Add($"Sqlite:Synchronous '{options.Synchronous}' is not one of Full, Normal.");
        }

        if (options.BusyTimeout <= TimeSpan.Zero || options.BusyTimeout > SqliteConstants.MaxTimeSpan)
        {
            failures.Add($"Sqlite:BusyTimeout must be positive and at most {SqliteConstants.MaxTimeSpan} (was {options.BusyTimeout}).");
        }

        if (options.PollInterval != Timeout.InfiniteTimeSpan && (options.PollInterval <= TimeSpan.Zero || options.PollInterval > SqliteConstants.MaxTimeSpan))
        {
            failures.Add($"Sqlite:PollInterval must be positive and at most {SqliteConstants.MaxTimeSpan}, or Timeout.InfiniteTimeSpan to turn it off (was {options.PollInterval}).");
        }

        if (options.MaxWritesPerTransaction < 1)
        {
            failures.Add($"Sqlite:MaxWritesPerTransaction must be at least 1 (was {options.MaxWritesPerTransaction}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Throws <see cref="OptionsValidationException"/> when <paramref name="options"/> are invalid; for
    /// stores built without the options pipeline.</summary>
    public static void ThrowIfInvalid(SqliteOptions options)
    {
        var result = new SqliteOptionsValidator().Validate(Options.DefaultName, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(SqliteOptions), result.Failures);
        }
    }

    private static void ValidateConnectionString(string? connectionString, List<string> failures)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            failures.Add("Sqlite:ConnectionString is required, such as \"Data Source=eventbus.db\".");
            return;
        }

        SqliteConnectionStringBuilder builder;
        try
        {
            builder = new SqliteConnectionStringBuilder(connectionString);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidOperationException)
        {
            // The message of the parser names the bad keyword; the connection string itself is not repeated
            // because it may hold a password.
            failures.Add($"Sqlite:ConnectionString is not a valid SQLite connection string: {ex.Message}");
            return;
        }

        if (string.IsNullOrWhiteSpace(builder.DataSource))
        {
            failures.Add("Sqlite:ConnectionString has no Data Source; give the database file path, such as \"Data Source=eventbus.db\".");
        }
        else if (builder.Mode == SqliteOpenMode.Memory || string.Equals(builder.DataSource, ":memory:", StringComparison.Ordinal))
        {
            failures.Add("Sqlite:ConnectionString points to an in-memory database, which is not durable and cannot use write-ahead logging; give a file path, or keep the default in-memory stores.");
        }
        else if (builder.Mode == SqliteOpenMode.ReadOnly)
        {
            failures.Add("Sqlite:ConnectionString opens the database read-only (Mode=ReadOnly); the stores write to it.");
        }
    }
}
