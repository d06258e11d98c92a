using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EventBus.Benchmarks.EventStore;

/// <summary>
/// Reads of <see cref="Events"/> stored events, reported per event (<c>OperationsPerInvoke</c>): one stream read
/// forwards from its start (<c>ReadStreamAsync</c>), and the global log (<c>ReadAllAsync</c>, <c>$all</c>) from
/// position 0. The store holds two streams of <see cref="Events"/> events each, appended interleaved in batches of
/// 100, so a stream read has to pick its stream's events out of the log. Raw <see cref="EventRecord"/>s, no
/// deserialization. The in-memory store is the baseline of these two categories.
/// The <c>TypedReadAll</c> category reads the global log deserialized: <c>IEventStreams.ReadAllAsync</c> (envelopes
/// with their payloads) on the SQLite store against <see cref="RawSqliteReader"/> (baseline), a hand-written
/// <c>SELECT</c> + System.Text.Json reader over the same file. That store is seeded the way typed reads are fed in
/// an application: <c>IEventStreams.AppendAsync</c> of <see cref="Deposited"/> payloads (so every row also carries
/// its envelope metadata), two streams interleaved in batches of 100.
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
    private IEventStreams _streams = null!;
    private RawSqliteReader? _raw;

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

    [GlobalSetup(Targets = [nameof(RawSql_TypedReadAll), nameof(Sqlite_TypedReadAll)])]
    public async Task SetupTyped()
    {
        _host = StoreHost.Create(StoreBackend.SqliteFull, store => store.AddEventType<Deposited>());
        _streams = _host.Services.GetRequiredService<IEventStreams>();
        var payloads = Enumerable.Repeat(new Deposited(100, "account-0001"), 100).ToArray();
        for (var version = 0; version < Events; version += 100)
        {
            foreach (var stream in new[] { Stream, "account-b" })
            {
                await _streams.AppendAsync(stream, version == 0 ? ExpectedVersion.NoStream : ExpectedVersion.Exact(version), payloads);
            }
        }

        var json = _host.Services.GetRequiredService<IOptions<EventStoreOptions>>().Value.JsonSerializerOptions;
        _raw = new RawSqliteReader(_host.DatabasePath!, json);
        Check(RawSql_TypedReadAll());
        Check(await Sqlite_TypedReadAll());
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Events)]
    [BenchmarkCategory("TypedReadAll")]
    public long RawSql_TypedReadAll() => Check(_raw!.ReadAll(1, Events));

    [Benchmark(OperationsPerInvoke = Events)]
    [BenchmarkCategory("TypedReadAll")]
    public async Task<long> Sqlite_TypedReadAll()
    {
        long count = 0;
        await foreach (var stored in _streams.ReadAllAsync(0, Events))
        {
            count += stored.Event.Payload is Deposited && stored.StreamVersion > 0 ? 1 : 0;
        }

        return Check(count);
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        _raw?.Dispose();
        await _host.DisposeAsync();
    }

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
