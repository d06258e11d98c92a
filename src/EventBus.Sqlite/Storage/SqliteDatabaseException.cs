namespace EventBus;

/// <summary>Thrown when the SQLite database file cannot be opened or is not an EventBus database.</summary>
/// <remarks>The message names the file and what to do; the connection string is never included, since it may hold
/// a password.</remarks>
public sealed class SqliteDatabaseException : InvalidOperationException
{
    /// <summary>Initializes a new instance of the <see cref="SqliteDatabaseException"/> class.</summary>
    /// <param name="dataSource">The database file.</param>
    /// <param name="error">What is wrong.</param>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause, if any.</param>
    public SqliteDatabaseException(string dataSource, SqliteDatabaseError error, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        DataSource = dataSource;
        Error = error;
    }

    /// <summary>Initializes a new instance of the <see cref="SqliteDatabaseException"/> class.</summary>
    public SqliteDatabaseException()
        : base("The SQLite database cannot be used.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="SqliteDatabaseException"/> class.</summary>
    /// <param name="message">The message.</param>
    public SqliteDatabaseException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="SqliteDatabaseException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public SqliteDatabaseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets the database file (the data source of the connection string).</summary>
    public string DataSource { get; } = string.Empty;

    /// <summary>Gets what is wrong with the database.</summary>
    public SqliteDatabaseError Error { get; }
}
