namespace EventBus;

/// <summary>Why an EventBus SQLite database could not be used.</summary>
public enum SqliteDatabaseError
{
    /// <summary>The file could not be opened or created: a missing directory, no permission, a read-only file
    /// system, or a path that is a directory.</summary>
    CannotOpen = 0,

    /// <summary>The file exists but is not a SQLite database (or is corrupt).</summary>
    NotADatabase = 1,

    /// <summary>The file is a SQLite database with tables of another application and no EventBus schema.</summary>
    NotAnEventBusDatabase = 2,

    /// <summary>The database was written by a newer version of EventBus.Sqlite, with a schema this version does not
    /// know.</summary>
    UnsupportedSchemaVersion = 3,
}
