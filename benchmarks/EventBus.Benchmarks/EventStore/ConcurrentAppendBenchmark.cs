using BenchmarkDotNet.Attributes;

namespace EventBus.Benchmarks.EventStore;

/// <summary>
/// Concurrent appenders on SQLite with <c>synchronous=FULL</c>: <see cref="Appenders"/> callers, each appending
/// single-event batches to its own stream (exact expected version, no conflicts), <see cref="EventsPerInvoke"/> events
/// in all per invocation, reported per event. One caller pays one durable commit per event; with more callers the
/// store's single writer commits the appends that queued up meanwhile together (group commit), so the time per event
/// should fall as callers are added.
/// </summary>
[MemoryDiagnoser]
public class ConcurrentAppendBenchmark
{
    public const int EventsPerInvoke = 64;

    private StoreHost _host = null!;
    private IEventStore _store = null!;
    private readonly TimeOrderedIds _ids = new();
    private Appender[] _appenders = [];

    [Params(1, 4, 16)]
    public int Appenders { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _host = StoreHost.Create(StoreBackend.SqliteFull);
        _store = _host.Store;
        _appenders = Enumerable.Range(1, Appenders).Select(i => new Appender($"account-{i}", _ids)).ToArray();
    }

    [Benchmark(OperationsPerInvoke = EventsPerInvoke)]
    public Task SqliteFull_Batch1()
    {
        var perAppender = EventsPerInvoke / Appenders;
        var tasks = new Task[_appenders.Length];
        for (var i = 0; i < tasks.Length; i++)
        {
            tasks[i] = _appenders[i].AppendAsync(_store, perAppender);
        }

        return Task.WhenAll(tasks);
    }

    [GlobalCleanup]
    public async Task Cleanup() => await _host.DisposeAsync();

    private sealed class Appender(string streamId, TimeOrderedIds ids)
    {
        private long _version;

        public async Task AppendAsync(IEventStore store, int count)
        {
            // Off the caller's thread at once, so the callers really run side by side.
            await Task.Yield();
            for (var i = 0; i < count; i++)
            {
                var expected = _version == 0 ? ExpectedVersion.NoStream : ExpectedVersion.Exact(_version);
                _version = (await store.AppendAsync(streamId, expected, StoreEvents.Batch(ids, 1))).StreamVersion;
            }
        }
    }
}
