using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;

namespace EventBus.Benchmarks.EventStore;

/// <summary>
/// Aggregate load (<c>IAggregateRepository&lt;T&gt;.LoadAsync</c>: stream info, snapshot, replay of the events after
/// it through the event-type registry and <c>Evolve</c>) of a long stream and of a short one, without snapshots (the
/// whole stream is replayed) and with a snapshot 50 events behind the head (the snapshot plus a 50-event tail).
/// With snapshots a long stream should load about as fast as a short one.
/// </summary>
/// <remarks>
/// The stream is seeded in <c>[GlobalSetup]</c> through <c>IEventStreams.AppendAsync</c> in batches of 1,000 events;
/// the snapshot is taken by the repository itself (<c>SnapshotEvery = 50</c>) when the setup saves the event that
/// reaches version length − 50. The long stream has 1,000,000 events for both stores (the SQLite seed takes well under
/// a minute: about 10 s on the 2-core dev machine). Few iterations (3 warm-ups, 5 measured, whatever the job): a
/// 1,000,000-event replay takes seconds.
/// </remarks>
[MemoryDiagnoser]
[WarmupCount(3)]
[IterationCount(5)]
public class AggregateLoadBenchmark
{
    public const int SnapshotEvery = 50;
    public const int SeedBatch = 1_000;
    private const string Id = "1";
    private const string StreamId = "account-" + Id;

    private StoreHost _host = null!;
    private IAggregateRepository<Counter> _repository = null!;

    [ParamsSource(nameof(Cases))]
    public LoadCase Case { get; set; } = null!;

    public static IEnumerable<LoadCase> Cases() =>
    [
        new(StoreBackend.InMemory, 100),
        new(StoreBackend.InMemory, 1_000_000),
        new(StoreBackend.SqliteFull, 100),
        new(StoreBackend.SqliteFull, 1_000_000),
    ];

    [GlobalSetup(Target = nameof(NoSnapshots))]
    public async Task SetupNoSnapshots()
    {
        Open(snapshotEvery: 0);
        await SeedAsync(Case.Events);
        await VerifyAsync();
    }

    [GlobalSetup(Target = nameof(WithSnapshots))]
    public async Task SetupWithSnapshots()
    {
        Open(SnapshotEvery);
        await SeedAsync(Case.Events - SnapshotEvery - 1);
        var aggregate = await _repository.LoadAsync(Id);
        aggregate.Raise(new Deposited(100, "account-0001"));
        await _repository.SaveAsync(aggregate);
        var snapshot = await _host.Services.GetRequiredService<ISnapshotStore>().LoadAsync(StreamId);
        if (snapshot?.StreamVersion != Case.Events - SnapshotEvery)
        {
            throw new InvalidOperationException($"Expected a snapshot at version {Case.Events - SnapshotEvery}, found {snapshot?.StreamVersion.ToString() ?? "none"}.");
        }

        await _host.Services.GetRequiredService<IEventStreams>().AppendAsync(StreamId, ExpectedVersion.Exact(aggregate.Version), Payloads(SnapshotEvery));
        await VerifyAsync();
    }

    [Benchmark(Baseline = true)]
    public async Task<long> NoSnapshots() => (await _repository.LoadAsync(Id)).Version;

    [Benchmark]
    public async Task<long> WithSnapshots() => (await _repository.LoadAsync(Id)).Version;

    [GlobalCleanup]
    public async Task Cleanup() => await _host.DisposeAsync();

    private void Open(int snapshotEvery)
    {
        _host = StoreHost.Create(Case.Backend, store => store
            .AddEventType<Deposited>()
            .AddAggregate("account", Counter.Initial, Counter.Evolve, o => o.SnapshotEvery = snapshotEvery));
        _repository = _host.Services.GetRequiredService<IAggregateRepository<Counter>>();
    }

    private async Task SeedAsync(int count)
    {
        var streams = _host.Services.GetRequiredService<IEventStreams>();
        var stopwatch = Stopwatch.StartNew();
        long version = 0;
        while (version < count)
        {
            var size = (int)Math.Min(SeedBatch, count - version);
            var expected = version == 0 ? ExpectedVersion.NoStream : ExpectedVersion.Exact(version);
            version = (await streams.AppendAsync(StreamId, expected, Payloads(size))).StreamVersion;
        }

        Console.WriteLine($"// seeded {count:N0} events into {Case.Backend} in {stopwatch.Elapsed.TotalSeconds:N1} s");
    }

    private async Task VerifyAsync()
    {
        var aggregate = await _repository.LoadAsync(Id);
        if (aggregate.Version != Case.Events || aggregate.State.Deposits != Case.Events)
        {
            throw new InvalidOperationException($"Loaded version {aggregate.Version} with {aggregate.State.Deposits} deposits, expected {Case.Events}.");
        }
    }

    private static Deposited[] Payloads(int count)
    {
        var payloads = new Deposited[count];
        Array.Fill(payloads, new Deposited(100, "account-0001"));
        return payloads;
    }
}
