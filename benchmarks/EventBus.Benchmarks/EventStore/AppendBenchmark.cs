using BenchmarkDotNet.Attributes;

namespace EventBus.Benchmarks.EventStore;

/// <summary>
/// Append throughput: <see cref="EventsPerInvoke"/> events appended to one stream in batches of <see cref="BatchSize"/>,
/// each batch with the exact expected version, reported per event (<c>OperationsPerInvoke</c>). The in-memory store
/// is the baseline; SQLite runs with <c>synchronous=FULL</c> (default) and <c>NORMAL</c>; <c>RawSql_Full</c> is the
/// hand-written reference (<see cref="RawSqliteAppender"/>) that issue 6 measures the SQLite store against.
/// </summary>
/// <remarks>
/// Every method builds its batches the same way inside the measured time (fresh time-ordered ids, a shared ~40 B JSON
/// payload: about 100 ns and 150 B per event), because ids must be unique and a pre-built pool could not cover the
/// in-memory store's invocation count. Each iteration starts a new stream (and, for the in-memory store, a new store,
/// so its retained events do not pile up across iterations and turn the measurement into a GC benchmark).
/// </remarks>
[MemoryDiagnoser]
public class AppendBenchmark
{
    public const int EventsPerInvoke = 100;

    private readonly TimeOrderedIds _ids = new();
    private StoreBackend? _backend;
    private StoreHost? _host;
    private IEventStore _store = null!;
    private RawSqliteAppender? _raw;
    private string _streamId = "";
    private long _version;
    private int _stream;

    [Params(1, 10, 100)]
    public int BatchSize { get; set; }

    [GlobalSetup(Target = nameof(InMemory))]
    public void SetupInMemory() => Open(StoreBackend.InMemory);

    [GlobalSetup(Target = nameof(SqliteFull))]
    public void SetupSqliteFull() => Open(StoreBackend.SqliteFull);

    [GlobalSetup(Target = nameof(SqliteNormal))]
    public void SetupSqliteNormal() => Open(StoreBackend.SqliteNormal);

    [GlobalSetup(Target = nameof(RawSql_Full))]
    public void SetupRaw() => _raw = new RawSqliteAppender();

    [IterationSetup]
    public void NewStream()
    {
        if (_backend == StoreBackend.InMemory)
        {
            _host!.DisposeAsync().AsTask().GetAwaiter().GetResult();
            Open(StoreBackend.InMemory);
        }

        _stream++;
        _streamId = $"account-{_stream}";
        _version = 0;
        _raw?.NewStream();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = EventsPerInvoke)]
    public Task InMemory() => AppendAsync();

    [Benchmark(OperationsPerInvoke = EventsPerInvoke)]
    public Task SqliteFull() => AppendAsync();

    [Benchmark(OperationsPerInvoke = EventsPerInvoke)]
    public Task SqliteNormal() => AppendAsync();

    [Benchmark(OperationsPerInvoke = EventsPerInvoke)]
    public long RawSql_Full()
    {
        for (var i = 0; i < EventsPerInvoke; i += BatchSize)
        {
            _version = _raw!.Append(_version, StoreEvents.Batch(_ids, BatchSize));
        }

        return _version;
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        _raw?.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    private async Task AppendAsync()
    {
        for (var i = 0; i < EventsPerInvoke; i += BatchSize)
        {
            var result = await _store.AppendAsync(_streamId, _version == 0 ? ExpectedVersion.NoStream : ExpectedVersion.Exact(_version), StoreEvents.Batch(_ids, BatchSize));
            _version = result.StreamVersion;
        }
    }

    private void Open(StoreBackend backend)
    {
        _backend = backend;
        _host = StoreHost.Create(backend);
        _store = _host.Store;
    }
}
