using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace EventBus.Benchmarks.EventStore;

/// <summary>
/// Reads of <see cref="Events"/> stored events, reported per event (<c>OperationsPerInvoke</c>): one stream read
/// forwards from its start (<c>ReadStreamAsync</c>), and the global log (<c>ReadAllAsync</c>, <c>$all</c>) from
/// position 0. The store holds two streams of <see cref="Events"/> events each, appended interleaved in batches of
/// 100, so a stream read has to pick its stream's events out of the log. Raw <see cref="EventRecord"/>s, no
/// deserialization. The in-memory store is the baseline of each category.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ReadBenchmark
{
    public const int Events = 10_000;
    private const string Stream = "account-a";

    private StoreHost _host = null!;
    private IEventStore _store = null!;

    [GlobalSetup(Targets = [nameof(InMemory_ReadStream), nameof(InMemory_ReadAll)])]
    public Task SetupInMemory() => SeedAsync(StoreBackend.InMemory);

    [GlobalSetup(Targets = [nameof(Sqlite_ReadStream), nameof(Sqlite_ReadAll)])]
    public Task SetupSqlite() => SeedAsync(StoreBackend.SqliteFull);

    [Benchmark(Baseline = true, OperationsPerInvoke = Events)]
    [BenchmarkCategory("ReadStream")]
    public Task<long> InMemory_ReadStream() => ReadStreamAsync();

    [Benchmark(OperationsPerInvoke = Events)]
    [BenchmarkCategory("ReadStream")]
    public Task<long> Sqlite_ReadStream() => ReadStreamAsync();

    [Benchmark(Baseline = true, OperationsPerInvoke = Events)]
    [BenchmarkCategory("ReadAll")]
    public Task<long> InMemory_ReadAll() => ReadAllAsync();

    [Benchmark(OperationsPerInvoke = Events)]
    [BenchmarkCategory("ReadAll")]
    public Task<long> Sqlite_ReadAll() => ReadAllAsync();

    [GlobalCleanup]
    public async Task Cleanup() => await _host.DisposeAsync();

    private async Task<long> ReadStreamAsync()
    {
        long count = 0;
        await foreach (var record in _store.ReadStreamAsync(Stream))
        {
            count += record.StreamVersion > 0 ? 1 : 0;
        }

        return Check(count);
    }

    private async Task<long> ReadAllAsync()
    {
        long count = 0;
        await foreach (var record in _store.ReadAllAsync(0, Events))
        {
            count += record.StreamVersion > 0 ? 1 : 0;
        }

        return Check(count);
    }

    private static long Check(long count) =>
        count == Events ? count : throw new InvalidOperationException($"The read returned {count} events, not {Events}.");

    private async Task SeedAsync(StoreBackend backend)
    {
        _host = StoreHost.Create(backend);
        _store = _host.Store;
        var ids = new TimeOrderedIds();
        for (var version = 0; version < Events; version += 100)
        {
            foreach (var stream in new[] { Stream, "account-b" })
            {
                await _store.AppendAsync(stream, version == 0 ? ExpectedVersion.NoStream : ExpectedVersion.Exact(version), StoreEvents.Batch(ids, 100));
            }
        }
    }
}
