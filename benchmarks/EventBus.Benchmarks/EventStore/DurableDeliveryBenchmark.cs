using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EventBus.Benchmarks.EventStore;

/// <summary>
/// Durable delivery through SQLite (issue 12): <see cref="EventsPerInvoke"/> events appended in batches of
/// <see cref="BatchSize"/> and delivered by the outbox to a bus subscription, measured until the subscription has
/// handled the last one — append, commit, outbox read, publish, handle, outcome — per event. Beside it in the same run:
/// the same appends without delivery (<c>Append_SqliteFull</c>) and the hand-written raw SQL append
/// (<c>RawSql_Full</c>, the baseline), all with <c>synchronous=FULL</c>.
/// </summary>
/// <remarks>
/// The outbox moves its checkpoint only past events the subscription finished; checkpoint writes share the store's
/// single writer with the appends, so they are part of what is measured. Events/s is 1 / (time per event).
/// </remarks>
[MemoryDiagnoser]
public class DurableDeliveryBenchmark
{
    public const int EventsPerInvoke = 100;

    private readonly TimeOrderedIds _ids = new();
    private IHost? _host;
    private string? _directory;
    private IEventStore _store = null!;
    private RawSqliteAppender? _raw;
    private HandledCountdown _handled = null!;
    private string _streamId = "";
    private long _version;
    private int _stream;

    [Params(1, 100)]
    public int BatchSize { get; set; }

    [GlobalSetup(Target = nameof(Durable_SqliteFull))]
    public void SetupDurable() => Open(publishToBus: true);

    [GlobalSetup(Target = nameof(Append_SqliteFull))]
    public void SetupAppendOnly() => Open(publishToBus: false);

    [GlobalSetup(Target = nameof(RawSql_Full))]
    public void SetupRaw() => _raw = new RawSqliteAppender();

    [IterationSetup]
    public void NewStream()
    {
        _stream++;
        _streamId = $"account-{_stream}";
        _version = 0;
        _raw?.NewStream();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = EventsPerInvoke)]
    public long RawSql_Full()
    {
        for (var i = 0; i < EventsPerInvoke; i += BatchSize)
        {
            _version = _raw!.Append(_version, StoreEvents.Batch(_ids, BatchSize));
        }

        return _version;
    }

    [Benchmark(OperationsPerInvoke = EventsPerInvoke)]
    public Task Append_SqliteFull() => AppendAsync();

    [Benchmark(OperationsPerInvoke = EventsPerInvoke)]
    public async Task Durable_SqliteFull()
    {
        var delivered = _handled.Expect(EventsPerInvoke);
        await AppendAsync();
        await delivered;
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        _raw?.Dispose();
        if (_host is not null)
        {
            await _host.StopAsync();
            _host.Dispose();
            SqliteConnection.ClearAllPools();
            Directory.Delete(_directory!, recursive: true);
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

    private void Open(bool publishToBus)
    {
        _directory = Directory.CreateTempSubdirectory("eventbus-bench-").FullName;
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddEventBus()
            .UseSqlite($"Data Source={Path.Combine(_directory, "events.db")}", o => o.Synchronous = SqliteSynchronousMode.Full)
            .AddEventStore(o => o.PublishToBus = publishToBus)
            .AddEventType<Deposited>();
        _host = builder.Build();
        _handled = new HandledCountdown();
        var handled = _handled;
        _host.Services.GetRequiredService<IEventBus>().Subscribe<Deposited>((_, _) =>
        {
            handled.Signal();
            return default;
        }, new SubscriptionOptions { Name = "durable-reader" });
        _host.StartAsync().GetAwaiter().GetResult();
        _store = _host.Services.GetRequiredService<IEventStore>();
    }

    /// <summary>Completes a task once the subscription handled the expected number of events.</summary>
    private sealed class HandledCountdown
    {
        private TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _remaining;

        public Task Expect(int count)
        {
            _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _remaining, count);
            return _done.Task;
        }

        public void Signal()
        {
            if (Interlocked.Decrement(ref _remaining) == 0)
            {
                _done.TrySetResult();
            }
        }
    }
}
