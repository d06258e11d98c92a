using BenchmarkDotNet.Attributes;
using EventBus.Benchmarks.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EventBus.Benchmarks.EventStore.PostgreSql;

/// <summary>
/// Catch-up reads of the global log on PostgreSQL (issue 13): <see cref="Events"/> stored events read from position 0
/// per invocation, reported per event (Events/s = 1 / time per event). The events are appended once through
/// EventBus's store (two streams, interleaved batches of 100; the schema is kept between benchmark processes and
/// seeded again only when its count differs). <c>RawNpgsql</c> (baseline) reads the same rows of the same table with
/// a plain <c>SELECT … WHERE position &gt;= $1 ORDER BY position LIMIT 1000</c> per page, every column materialized
/// (the payloads as <c>byte[]</c>); <c>EventBus_ReadAll</c> is <c>IEventStore.ReadAllAsync(0)</c> (pages of 1,000,
/// joined with the stream table for the stream id, raw <see cref="EventRecord"/>s, no deserialization).
/// </summary>
[RequiresPostgreSql]
[Config(typeof(EventsPerSecondConfig))]
[MemoryDiagnoser]
public class PostgreSqlReadBenchmark
{
    public const int Events = 50_000;
    private const int PageSize = 1000;

    private NpgsqlDataSource _dataSource = null!;
    private ServiceProvider _eventBus = null!;
    private IEventStore _store = null!;
    private string _rawPage = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        _dataSource = NpgsqlDataSource.Create(PostgreSqlBench.RequireConnectionString());
        _rawPage = $"""
            SELECT position, stream_key, stream_version, event_id, event_type, data_version, data, metadata, recorded_ticks
            FROM "{PostgreSqlBench.ReadSchema}".events WHERE position >= $1 ORDER BY position LIMIT {PageSize}
            """;
        _eventBus = PostgreSqlBench.BuildEventBus(PostgreSqlBench.ReadSchema);
        _store = _eventBus.GetRequiredService<IEventStore>();
        if (await _store.GetHeadPositionAsync() == Events)
        {
            return;
        }

        await _eventBus.DisposeAsync();
        await PostgreSqlBench.DropSchemaAsync(_dataSource, PostgreSqlBench.ReadSchema);
        _eventBus = PostgreSqlBench.BuildEventBus(PostgreSqlBench.ReadSchema);
        _store = _eventBus.GetRequiredService<IEventStore>();
        var ids = new TimeOrderedIds();
        for (var version = 0; version < Events / 2; version += 100)
        {
            foreach (var stream in new[] { "account-a", "account-b" })
            {
                await _store.AppendAsync(stream, version == 0 ? ExpectedVersion.NoStream : ExpectedVersion.Exact(version), PostgreSqlBench.Batch(ids, 100));
            }
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Events)]
    public async Task<long> RawNpgsql()
    {
        long count = 0, next = 1, bytes = 0;
        while (true)
        {
            var rows = 0;
            await using var command = _dataSource.CreateCommand(_rawPage);
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = next });
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                next = reader.GetInt64(0) + 1;
                _ = reader.GetInt64(1);
                _ = reader.GetInt64(2);
                _ = reader.GetString(3);
                _ = reader.GetString(4);
                _ = reader.GetString(5);
                bytes += reader.GetFieldValue<byte[]>(6).Length + reader.GetFieldValue<byte[]>(7).Length;
                _ = reader.GetInt64(8);
                rows++;
            }

            count += rows;
            if (rows < PageSize)
            {
                return Check(count) + (bytes > 0 ? 0 : 1);
            }
        }
    }

    [Benchmark(OperationsPerInvoke = Events)]
    public async Task<long> EventBus_ReadAll()
    {
        long count = 0;
        await foreach (var record in _store.ReadAllAsync(0))
        {
            count += record.StreamVersion > 0 ? 1 : 0;
        }

        return Check(count);
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _eventBus.DisposeAsync();
        await _dataSource.DisposeAsync();
    }

    private static long Check(long count) =>
        count == Events ? count : throw new InvalidOperationException($"The read returned {count} events, not {Events}.");
}
