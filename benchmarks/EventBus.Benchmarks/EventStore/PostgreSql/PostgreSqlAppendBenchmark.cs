using BenchmarkDotNet.Attributes;
using EventBus.Benchmarks.Support;
using JasperFx;
using JasperFx.Events;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EventBus.Benchmarks.EventStore.PostgreSql;

/// <summary>
/// Appends on PostgreSQL (issue 13): <see cref="Writers"/> concurrent writers, each appending to its own stream in
/// batches of <see cref="BatchSize"/>, <see cref="EventsPerInvoke"/> events in all per invocation, reported per event
/// (Events/s = 1 / time per event). Three contenders on the same server, each in its own schema, dropped and
/// recreated at the start of its benchmark process:
/// <list type="bullet">
/// <item><c>RawNpgsql</c> (baseline): <see cref="RawPostgreSqlAppender"/>, one round trip per batch with EventBus's
/// table shape and global-order mechanism.</item>
/// <item><c>EventBus_PostgreSql</c>: <c>IEventStore.AppendAsync</c> of <c>UsePostgreSql(...)</c> with the exact
/// expected version (version check, stream row, idempotency by event id, post-commit notification included; appends
/// of concurrent writers that meet share one transaction, the store's group commit).</item>
/// <item><c>Marten_QuickAppend</c>: Marten 9 with <c>Events.AppendMode = EventAppendMode.Quick</c> (its documented
/// faster append path), string stream ids, lightweight sessions: <c>Events.Append(stream, events)</c> +
/// <c>SaveChangesAsync</c> per batch, no expected version (its quickest call).</item>
/// </list>
/// </summary>
[RequiresPostgreSql]
[Config(typeof(EventsPerSecondConfig))]
[MemoryDiagnoser]
public class PostgreSqlAppendBenchmark
{
    public const int EventsPerInvoke = 1600;

    private readonly TimeOrderedIds _ids = new();
    private NpgsqlDataSource _dataSource = null!;
    private ServiceProvider? _eventBus;
    private IEventStore _store = null!;
    private RawPostgreSqlAppender _raw = null!;
    private DocumentStore? _marten;
    private long[] _versions = [];
    private string[] _streams = [];

    [Params(1, 8)]
    public int Writers { get; set; }

    [Params(1, 100)]
    public int BatchSize { get; set; }

    private int BatchesPerWriter => EventsPerInvoke / Writers / BatchSize;

    [GlobalSetup(Target = nameof(RawNpgsql))]
    public async Task SetupRaw()
    {
        Prepare();
        await PostgreSqlBench.DropSchemaAsync(_dataSource, PostgreSqlBench.RawSchema);
        await using (var create = _dataSource.CreateCommand(RawPostgreSqlAppender.Schema(PostgreSqlBench.RawSchema)))
        {
            await create.ExecuteNonQueryAsync();
        }

        _raw = new RawPostgreSqlAppender(_dataSource, PostgreSqlBench.RawSchema);
    }

    [GlobalSetup(Target = nameof(EventBus_PostgreSql))]
    public async Task SetupEventBus()
    {
        Prepare();
        await PostgreSqlBench.DropSchemaAsync(_dataSource, PostgreSqlBench.EventBusSchema);
        _eventBus = PostgreSqlBench.BuildEventBus(PostgreSqlBench.EventBusSchema);
        _store = _eventBus.GetRequiredService<IEventStore>();

        // Creates the schema, so the first measured append does not.
        _ = await _store.GetHeadPositionAsync();
    }

    [GlobalSetup(Target = nameof(Marten_QuickAppend))]
    public async Task SetupMarten()
    {
        Prepare();
        await PostgreSqlBench.DropSchemaAsync(_dataSource, PostgreSqlBench.MartenSchema);
        _marten = DocumentStore.For(options =>
        {
            options.Connection(PostgreSqlBench.RequireConnectionString());
            options.DatabaseSchemaName = PostgreSqlBench.MartenSchema;
            options.AutoCreateSchemaObjects = AutoCreate.All;
            options.Events.StreamIdentity = StreamIdentity.AsString;
            options.Events.AppendMode = EventAppendMode.Quick;
            options.Events.AddEventType<Transferred>();
        });
        await _marten.Storage.ApplyAllConfiguredChangesToDatabaseAsync();

        // Marten generates and compiles its storage code on first use: keep that out of the measurement.
        await using var session = _marten.LightweightSession();
        session.Events.Append("warm-up", PostgreSqlBench.Payload);
        await session.SaveChangesAsync();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = EventsPerInvoke)]
    public Task RawNpgsql() => RunWritersAsync(async writer =>
    {
        for (var i = 0; i < BatchesPerWriter; i++)
        {
            _versions[writer] = await _raw.AppendAsync(writer + 1, _versions[writer], PostgreSqlBench.Batch(_ids, BatchSize));
        }
    });

    [Benchmark(OperationsPerInvoke = EventsPerInvoke)]
    public Task EventBus_PostgreSql() => RunWritersAsync(async writer =>
    {
        for (var i = 0; i < BatchesPerWriter; i++)
        {
            var version = _versions[writer];
            var expected = version == 0 ? ExpectedVersion.NoStream : ExpectedVersion.Exact(version);
            _versions[writer] = (await _store.AppendAsync(_streams[writer], expected, PostgreSqlBench.Batch(_ids, BatchSize))).StreamVersion;
        }
    });

    [Benchmark(OperationsPerInvoke = EventsPerInvoke)]
    public Task Marten_QuickAppend() => RunWritersAsync(async writer =>
    {
        for (var i = 0; i < BatchesPerWriter; i++)
        {
            var events = new object[BatchSize];
            for (var e = 0; e < events.Length; e++)
            {
                events[e] = PostgreSqlBench.Payload with { Reference = _ids.Next() };
            }

            await using var session = _marten!.LightweightSession();
            session.Events.Append(_streams[writer], events);
            await session.SaveChangesAsync();
        }
    });

    [GlobalCleanup]
    public async Task Cleanup()
    {
        _marten?.Dispose();
        if (_eventBus is not null)
        {
            await _eventBus.DisposeAsync();
        }

        await _dataSource.DisposeAsync();
    }

    private void Prepare()
    {
        _dataSource = NpgsqlDataSource.Create(PostgreSqlBench.RequireConnectionString());
        _versions = new long[Writers];
        _streams = Enumerable.Range(1, Writers).Select(i => $"writer-{i}").ToArray();
        if (EventsPerInvoke % (Writers * BatchSize) != 0)
        {
            throw new InvalidOperationException($"{EventsPerInvoke} events do not split into {Writers} writers x batches of {BatchSize}.");
        }
    }

    private Task RunWritersAsync(Func<int, Task> write)
    {
        var tasks = new Task[Writers];
        for (var w = 0; w < tasks.Length; w++)
        {
            var writer = w;

            // Off the caller's thread at once, so the writers really run side by side.
            tasks[w] = Task.Run(() => write(writer));
        }

        return Task.WhenAll(tasks);
    }
}
