namespace EventBus.Samples.Orders.Demo;

/// <summary>Where the demo keeps saga instances, dead letters and the other stores.</summary>
public enum DemoStore
{
    /// <summary>In memory: every run starts empty.</summary>
    Memory,

    /// <summary>In a SQLite file: a run sees the orders of earlier runs on the same file.</summary>
    Sqlite,

    /// <summary>In PostgreSQL (schema <see cref="DemoOptions.PostgreSqlSchema"/>): a run sees the orders of earlier runs
    /// on the same database.</summary>
    PostgreSql,
}
