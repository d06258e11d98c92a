using Microsoft.Data.Sqlite;

namespace EventBus.Sqlite.Storage;

/// <summary>One open connection with its prepared commands, reused for the connection's lifetime so each statement
/// is compiled once. Used by one thread at a time: the writer thread, or a reader that rented it from the pool.</summary>
internal sealed class SqliteSession(SqliteConnection connection) : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    public SqliteConnection Connection { get; } = connection;

    /// <summary>Gets or sets the transaction the writer runs requests in.</summary>
    public SqliteTransaction? Transaction { get; set; }

    /// <summary>Gets or sets the highest global position written by the requests of the current transaction.</summary>
    public long PendingHead { get; set; }

    /// <summary>Returns the cached command for <paramref name="sql"/> with no parameters, bound to the current
    /// transaction. Values are always passed as parameters, never spliced into <paramref name="sql"/>.</summary>
    public SqliteCommand Command(string sql)
    {
        var command = CommandWithParameters(sql);
        command.Parameters.Clear();
        return command;
    }

    /// <summary>Returns the cached command for <paramref name="sql"/> bound to the current transaction, with the
    /// parameters it was given the first time: a statement run once per event sets new values on them instead of
    /// creating them again. Use it only for SQL that is never passed to <see cref="Command"/>, which clears them.</summary>
    public SqliteCommand CommandWithParameters(string sql)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = Connection.CreateCommand();
            command.CommandText = sql;
            _commands.Add(sql, command);
        }

        command.Transaction = Transaction;
        return command;
    }

    public void Dispose()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }

        _commands.Clear();
        Connection.Dispose();
    }
}
