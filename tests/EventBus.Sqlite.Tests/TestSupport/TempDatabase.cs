using EventBus.Sqlite.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EventBus.Sqlite.Tests.TestSupport;

/// <summary>A database file in a fresh temporary directory, removed with everything opened on it.</summary>
public sealed class TempDatabase : IDisposable
{
    private readonly List<IDisposable> _opened = [];

    public TempDatabase()
    {
        Directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "eventbus-sqlite-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        Path = System.IO.Path.Combine(Directory, "eventbus.db");
    }

    public string Directory { get; }

    public string Path { get; }

    public string ConnectionString => $"Data Source={Path}";

    internal SqliteDatabase Open(Action<SqliteOptions>? configure = null, IReadOnlyList<SchemaMigration>? migrations = null, TimeProvider? timeProvider = null)
    {
        var options = new SqliteOptions { ConnectionString = ConnectionString };
        configure?.Invoke(options);
        var database = new SqliteDatabase(Options.Create(options), timeProvider ?? TimeProvider.System, NullLogger.Instance, migrations ?? SqliteSchema.Migrations);
        lock (_opened)
        {
            _opened.Add(database);
        }

        return database;
    }

    /// <summary>Opens a plain connection to the file, outside the stores (pooling off, so closing releases it).</summary>
    public SqliteConnection OpenRaw()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path, Pooling = false }.ToString());
        connection.Open();
        lock (_opened)
        {
            _opened.Add(connection);
        }

        return connection;
    }

    public static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    public void Dispose()
    {
        lock (_opened)
        {
            foreach (var item in Enumerable.Reverse(_opened))
            {
                item.Dispose();
            }

            _opened.Clear();
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a killed child process; the OS temp cleaner takes it.
        }
    }
}
