using Npgsql;

namespace EventBus.PostgreSql.Tests.TestSupport;

/// <summary>The PostgreSQL server the tests run against, named by <c>EVENTBUS_PG_CONNECTION_STRING</c>. Outside CI a
/// missing or unreachable server skips the tests with the reason; with <c>CI=true</c> it fails them, so CI can never
/// pass by skipping.</summary>
internal static class PostgresServer
{
    public const string ConnectionStringVariable = "EVENTBUS_PG_CONNECTION_STRING";

    private static readonly Lazy<string?> Problem = new(Probe);

    /// <summary>Gets the connection string, or skips (fails under CI) when there is no usable server.</summary>
    public static string ConnectionString
    {
        get
        {
            if (Problem.Value is { } problem)
            {
                if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
                {
                    throw new InvalidOperationException($"CI=true and {problem}; CI must run the PostgreSQL tests (.ci/run starts the server with .ci/postgres-start.sh).");
                }

                Assert.Skip($"{problem}. Start one with `eval \"$(bash .ci/postgres-start.sh)\"` to run these tests.");
            }

            return Environment.GetEnvironmentVariable(ConnectionStringVariable)!;
        }
    }

    private static string? Probe()
    {
        var connectionString = Environment.GetEnvironmentVariable(ConnectionStringVariable);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return $"{ConnectionStringVariable} is not set";
        }

        try
        {
            using var connection = new NpgsqlConnection(connectionString);
            connection.Open();
            using var command = new NpgsqlCommand("SELECT 1", connection);
            command.ExecuteScalar();
            return null;
        }
        catch (Exception ex) when (ex is NpgsqlException or ArgumentException or InvalidOperationException or TimeoutException)
        {
            // The connection string is not repeated: it holds a password.
            return $"the PostgreSQL server of {ConnectionStringVariable} cannot be reached ({ex.GetType().Name}: {ex.Message})";
        }
    }
}
