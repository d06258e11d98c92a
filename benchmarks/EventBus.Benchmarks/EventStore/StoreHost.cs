using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace EventBus.Benchmarks.EventStore;

/// <summary>
/// One event store for a benchmark: a service provider built the way an application builds it
/// (<c>AddEventBus().AddEventStore(...)</c>, plus <c>UseSqlite(...)</c> for the SQLite backends), with publishing to the
/// bus off so the store alone is measured. SQLite databases live in a fresh temporary folder, deleted on dispose.
/// </summary>
public sealed class StoreHost : IAsyncDisposable
{
    private readonly ServiceProvider _provider;
    private readonly string? _directory;

    private StoreHost(ServiceProvider provider, string? directory)
    {
        _provider = provider;
        _directory = directory;
    }

    public IEventStore Store => _provider.GetRequiredService<IEventStore>();

    public IServiceProvider Services => _provider;

    /// <summary>Gets the SQLite database file, or <see langword="null"/> for the in-memory store.</summary>
    public string? DatabasePath => _directory is null ? null : Path.Combine(_directory, "events.db");

    /// <summary>Builds the store; <paramref name="configure"/> adds event types and aggregates.</summary>
    public static StoreHost Create(StoreBackend backend, Action<IEventStoreBuilder>? configure = null)
    {
        var services = new ServiceCollection();
        var bus = services.AddEventBus();
        string? directory = null;
        if (backend != StoreBackend.InMemory)
        {
            directory = Directory.CreateTempSubdirectory("eventbus-bench-").FullName;
            var mode = backend == StoreBackend.SqliteNormal ? SqliteSynchronousMode.Normal : SqliteSynchronousMode.Full;
            bus.UseSqlite($"Data Source={Path.Combine(directory, "events.db")}", o => o.Synchronous = mode);
        }

        var store = bus.AddEventStore(o => o.PublishToBus = false);
        configure?.Invoke(store);
        return new StoreHost(services.BuildServiceProvider(), directory);
    }

    public async ValueTask DisposeAsync()
    {
        await _provider.DisposeAsync();
        if (_directory is not null)
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(_directory, recursive: true);
        }
    }
}
