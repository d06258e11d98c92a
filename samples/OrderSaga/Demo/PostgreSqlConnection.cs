using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;
using Npgsql;

namespace EventBus.Samples.Orders.Demo;

/// <summary>The PostgreSQL server of <c>--store postgres</c>: the connection string, which is never printed because it
/// may hold a password, and a description of it without the password, which is.</summary>
public sealed partial record PostgreSqlConnection
{
    private PostgreSqlConnection(string connectionString, string description)
    {
        ConnectionString = connectionString;
        Description = description;
    }

    /// <summary>Gets the Npgsql connection string as given.</summary>
    public string ConnectionString { get; }

    /// <summary>Gets where it connects, without the password: <c>database eventbus on 127.0.0.1:5432 as eventbus</c>.</summary>
    public string Description { get; }

    /// <summary>Reads and checks an Npgsql connection string.</summary>
    /// <param name="connectionString">The connection string, such as
    /// <c>Host=127.0.0.1;Port=5432;Database=eventbus;Username=eventbus;Password=…</c>.</param>
    /// <returns>The connection.</returns>
    /// <exception cref="ArgumentException">The connection string is empty, not a valid Npgsql connection string, or
    /// names no host; the message never contains the password.</exception>
    public static PostgreSqlConnection Parse(string connectionString) =>
        TryParse(connectionString, out var connection, out var error)
            ? connection
            : throw new ArgumentException(error, nameof(connectionString));

    /// <summary>Reads and checks an Npgsql connection string.</summary>
    /// <param name="connectionString">The connection string.</param>
    /// <param name="connection">The connection, when the string is valid.</param>
    /// <param name="error">What is wrong with the string, without its password, when it is not.</param>
    /// <returns><see langword="true"/> if the string is a usable connection string; otherwise, <see langword="false"/>.</returns>
    public static bool TryParse(string? connectionString, [NotNullWhen(true)] out PostgreSqlConnection? connection, [NotNullWhen(false)] out string? error)
    {
        connection = null;
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            error = "the connection string is empty.";
            return false;
        }

        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidOperationException or KeyNotFoundException)
        {
            error = $"not a valid Npgsql connection string ({Redact(ex.Message, connectionString)}); expected Host=…;Port=…;Database=…;Username=…;Password=….";
            return false;
        }

        if (string.IsNullOrWhiteSpace(builder.Host))
        {
            error = "the connection string names no server; add Host=… (e.g. Host=127.0.0.1).";
            return false;
        }

        var database = string.IsNullOrEmpty(builder.Database) ? "(the user's default)" : builder.Database;
        var user = string.IsNullOrEmpty(builder.Username) ? "(the OS user)" : builder.Username;
        connection = new PostgreSqlConnection(connectionString, $"database {database} on {builder.Host}:{builder.Port} as {user}");
        error = null;
        return true;
    }

    /// <summary>Removes the password of <paramref name="connectionString"/> (and the string itself) from
    /// <paramref name="text"/>, such as the message of an exception about it.</summary>
    public static string Redact(string text, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(connectionString);
        text = text.Replace(connectionString, "(the connection string)", StringComparison.Ordinal);
        foreach (Match match in PasswordValue().Matches(connectionString))
        {
            var password = match.Groups["value"].Value.Trim().Trim('"', '\'');
            if (password.Length > 0)
            {
                text = text.Replace(password, "***", StringComparison.Ordinal);
            }
        }

        return text;
    }

    /// <summary>Returns <see cref="Description"/>: a connection is printed without its password.</summary>
    public override string ToString() => Description;

    [GeneratedRegex(@"(?:^|;)\s*(?:password|pwd)\s*=(?<value>[^;]*)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PasswordValue();
}
