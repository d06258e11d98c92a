namespace EventBus;

/// <summary>How hard SQLite pushes each commit to disk (<c>PRAGMA synchronous</c>); the database always runs in
/// write-ahead-log (WAL) mode.</summary>
public enum SqliteSynchronousMode
{
    /// <summary>Every commit is flushed to stable storage before the append returns: committed events survive an
    /// application crash and a power loss or operating-system crash. The default.</summary>
    Full = 0,

    /// <summary>The write-ahead log is flushed only at checkpoints: committed events survive an application crash,
    /// but a power loss or operating-system crash may lose the last commits (never corrupting the database).
    /// Appends are faster, mostly at small batch sizes.</summary>
    Normal = 1,
}
