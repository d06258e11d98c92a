using EventBus.PostgreSql.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace EventBus.PostgreSql.Tests.TestSupport;

/// <summary>A schema of its own for one test class instance (xunit makes one per test), so tests running in
/// parallel never see each other's rows; dropped with everything opened on it.</summary>
public sealed class TestSchema : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _opened = [];
    private string? _connectionString;

    public string Name { get; } = "eb_test_" + Guid.NewGuid().ToString("N");

    /// <summary>Gets the server's connection string (skips or fails the test when there is no server).</summary>
    public string ConnectionString => _connectionString ??= new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString) { MaxPoolSize = 40 }.ConnectionString;

    internal PostgreSqlDatabase Open(Action<PostgreSqlOptions>? configure = null, TimeProvider? timeProvider = null, IReadOnlyList<SchemaMigration>? migrations = null)
    {
        var options = new PostgreSqlOptions { Schema = Name, PollInterval = TimeSpan.FromMilliseconds(50) };
        configure?.Invoke(options);
        var database = new PostgreSqlDatabase(NpgsqlDataSource.Create(ConnectionString), ownsDataSource: true, options, timeProvider ?? TimeProvider.System, NullLogger.Instance, migrations);
        Track(database);
        return database;
    }

    /// <summary>Opens a plain connection outside the stores, closed with the schema.</summary>
    public async Task<NpgsqlConnection> OpenRawAsync()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        Track(connection);
        return connection;
    }

    public T Track<T>(T disposable)
        where T : IAsyncDisposable
    {
        lock (_opened)
        {
            _opened.Add(disposable);
        }

        return disposable;
    }

    public async ValueTask DisposeAsync()
    {
        List<IAsyncDisposable> opened;
        lock (_opened)
        {
            opened = [.. Enumerable.Reverse(_opened)];
            _opened.Clear();
        }

        foreach (var item in opened)
        {
            await item.DisposeAsync();
        }

        if (_connectionString is null)
        {
            return;
        }

        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{Name}\" CASCADE", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
