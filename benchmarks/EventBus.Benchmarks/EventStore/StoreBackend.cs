namespace EventBus.Benchmarks.EventStore;

/// <summary>The event store implementation a benchmark runs against.</summary>
public enum StoreBackend
{
    /// <summary>The embedded default: <c>AddEventStore()</c> without a durable backend.</summary>
    InMemory,

    /// <summary><c>UseSqlite(...)</c> with <c>synchronous=FULL</c> (the default: every commit reaches the disk).</summary>
    SqliteFull,

    /// <summary><c>UseSqlite(...)</c> with <c>synchronous=NORMAL</c> (survives app crashes, may lose the last commits on power loss).</summary>
    SqliteNormal,
}
