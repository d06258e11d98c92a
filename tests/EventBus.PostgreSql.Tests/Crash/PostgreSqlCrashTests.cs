using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EventBus.PostgreSql.Tests.TestSupport;
using EventBus.Sqlite.CrashHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace EventBus.PostgreSql.Tests.Crash;

/// <summary>Runs tests/EventBus.PostgreSql.CrashHost (concurrent appenders and the outbox on <c>UsePostgreSql</c>) as a
/// child process, kills it with SIGKILL after a random number of acknowledged appends, over and over on one schema,
/// and reads the tables after every kill: every acknowledged batch is stored whole where its append said, no batch is
/// stored in part, stream versions and global positions have no holes or repeats, and the outbox checkpoint covers
/// only events it handed over. A last in-process run drains the outbox: every stored event was published.</summary>
public sealed class PostgreSqlCrashTests(ITestOutputHelper output) : IAsyncDisposable
{
    private const int Rounds = 10;
    private const int Appenders = 3;
    private const string HostAssembly = "EventBus.PostgreSql.CrashHost.dll";
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(3);
    private readonly TestSchema _schema = new();

    public ValueTask DisposeAsync() => _schema.DisposeAsync();

    [Fact]
    public async Task AppendLoop_KilledWithSigkillAtRandomPoints_KeepsAcknowledgedBatchesWholeAndPublishesEveryStoredEvent()
    {
        var connectionString = _schema.ConnectionString;
        var seed = Random.Shared.Next();
        output.WriteLine($"seed {seed}, schema {_schema.Name}");
        var random = new Random(seed);
        using var budget = new CancellationTokenSource(Budget);
        var seen = new ChildLines();

        for (var round = 0; round < Rounds; round++)
        {
            var killAfter = random.Next(1, 80);
            // The server finishes (and may commit) what a killed child's sessions were running; wait for them to end
            // so the tables read below are final for this round.
            var application = $"eb-crash-{round}-{Guid.NewGuid():N}"[..30];
            var childConnection = new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = application }.ConnectionString;
            await RunChildUntilKilledAsync(childConnection, seed + round, killAfter, seen, budget.Token);
            var lingering = await WaitUntilSessionsEndAsync(application, budget.Token);
            var table = await ReadTablesAsync(budget.Token);
            var because = $"seed {seed}, round {round}";
            Problems(table, seen).Should().BeEmpty(because);
            output.WriteLine($"round {round}: killed after {killAfter} acknowledgements ({lingering} of its sessions still open after the kill); {table.Events.Count} events stored, outbox checkpoint {table.Checkpoint}");
        }

        await DrainOutboxAsync(connectionString, seen, budget.Token);
        var final = await ReadTablesAsync(budget.Token);
        var acknowledged = seen.Acks.Values.Sum(a => a.Count);
        var stored = final.Events.Count;
        var lost = LostEvents(final, seen);
        var halfWritten = final.Events.GroupBy(e => e.Payload.Batch).Count(b => b.Count() != b.First().Payload.Count);
        var published = final.Events.Count(e => seen.Published.Contains(e.EventId));
        var ledger = $"ledger: pg-crash: {Rounds} kills, {acknowledged} acknowledged, {stored} stored, {lost} lost, {halfWritten} half-written, {published} published";
        output.WriteLine(ledger);
        Console.WriteLine(ledger);

        Problems(final, seen).Should().BeEmpty($"seed {seed}, after the drain");
        acknowledged.Should().BePositive($"the children appended before they were killed (seed {seed})");
        stored.Should().BeGreaterThanOrEqualTo(acknowledged, "an append killed before its ACK was printed may still have committed");
        lost.Should().Be(0, $"seed {seed}");
        halfWritten.Should().Be(0, $"seed {seed}");
        published.Should().Be(stored, $"the outbox publishes every stored event at least once (seed {seed})");
        final.Checkpoint.Should().Be(final.Events.Count, "the drain moved the outbox checkpoint to the head");
    }

    /// <summary>Starts the crash host on the test's schema and SIGKILLs it once it printed <paramref name="killAfter"/>
    /// ACK lines; every line it wrote before the kill (still in the pipe) is recorded.</summary>
    private async Task RunChildUntilKilledAsync(string connectionString, int seed, int killAfter, ChildLines seen, CancellationToken cancellationToken)
    {
        var hostPath = Path.Combine(AppContext.BaseDirectory, HostAssembly);
        File.Exists(hostPath).Should().BeTrue("the crash host is built next to the tests (project reference)");
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path && File.Exists(path) ? path : "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { hostPath, connectionString, _schema.Name, seed.ToString(CultureInfo.InvariantCulture), Appenders.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        var stderr = new StringBuilder();
        using var child = Process.Start(start)!;
        child.ErrorDataReceived += (_, e) =>
        {
            lock (stderr)
            {
                stderr.AppendLine(e.Data);
            }
        };
        child.BeginErrorReadLine();
        try
        {
            for (var acks = 0; acks < killAfter;)
            {
                if (await child.StandardOutput.ReadLineAsync(cancellationToken) is not { } line)
                {
                    await child.WaitForExitAsync(cancellationToken);
                    lock (stderr)
                    {
                        // The arguments are not repeated: the connection string holds a password.
                        throw new InvalidOperationException($"The PostgreSQL crash host ended by itself (exit code {child.ExitCode}) after {acks} acknowledgements: {stderr}");
                    }
                }

                acks += seen.Record(line) ? 1 : 0;
            }
        }
        finally
        {
            // SIGKILL: none of the host's shutdown runs, wherever the appenders and the outbox were.
            child.Kill(entireProcessTree: true);
        }

        while (await child.StandardOutput.ReadLineAsync(cancellationToken) is { } rest)
        {
            seen.Record(rest);
        }

        await child.WaitForExitAsync(cancellationToken);
    }

    /// <summary>One more run, in this process and stopped gracefully, once the killed child's outbox lease lapsed: the
    /// outbox publishes everything after its checkpoint.</summary>
    private async Task DrainOutboxAsync(string connectionString, ChildLines seen, CancellationToken cancellationToken)
    {
        var before = await ReadTablesAsync(cancellationToken);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddEventBus()
            .UsePostgreSql(connectionString, o =>
            {
                o.Schema = _schema.Name;
                o.LeaseDuration = TimeSpan.FromSeconds(1);
                o.LeaseRenewInterval = TimeSpan.FromMilliseconds(300);
                o.LeaseAcquireInterval = TimeSpan.FromMilliseconds(100);
                o.PollInterval = TimeSpan.FromMilliseconds(50);
            })
            .AddEventStore()
            .AddEventType<CrashEvent>();
        using var host = builder.Build();
        var received = new Recorder<string>();
        host.Services.GetRequiredService<IEventBus>().Subscribe("crash.appended", e => received.Add(e.Id));
        await host.StartAsync(cancellationToken);
        await received.WaitForAsync(before.Events.Count - (int)before.Checkpoint, TimeSpan.FromMinutes(1));
        await host.StopAsync(cancellationToken);
        seen.Published.UnionWith(received.Items);
    }

    /// <summary>Waits until the server ended every session named <paramref name="application"/> (a killed client's
    /// session ends once the server sees its socket closed, after finishing the statement it was running).</summary>
    /// <returns>How many sessions were still open at the first look.</returns>
    private async Task<long> WaitUntilSessionsEndAsync(string application, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(_schema.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var count = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", connection);
        count.Parameters.Add(new NpgsqlParameter<string> { TypedValue = application });
        var first = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
        while ((long)(await count.ExecuteScalarAsync(cancellationToken))! > 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
        }

        return first;
    }

    private async Task<Tables> ReadTablesAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(_schema.ConnectionString);
        await connection.OpenAsync(cancellationToken);

        // One snapshot for the three reads, so they agree with each other whatever commits meanwhile.
        await using var snapshot = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        var schema = $"\"{_schema.Name}\"";
        var events = new List<Row>();
        await using (var select = new NpgsqlCommand($"SELECT e.position, s.stream_id, e.stream_version, e.event_id, e.data FROM {schema}.events e JOIN {schema}.streams s ON s.stream_key = e.stream_key ORDER BY e.position", connection, snapshot))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var payload = JsonSerializer.Deserialize<CrashEvent>(reader.GetFieldValue<byte[]>(4), JsonSerializerOptions.Web)!;
                events.Add(new Row(reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3), payload));
            }
        }

        var versions = new Dictionary<string, long>(StringComparer.Ordinal);
        await using (var select = new NpgsqlCommand($"SELECT stream_id, version FROM {schema}.streams", connection, snapshot))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                versions[reader.GetString(0)] = reader.GetInt64(1);
            }
        }

        await using var checkpoint = new NpgsqlCommand($"SELECT position FROM {schema}.checkpoints WHERE name = '$outbox'", connection, snapshot);
        return new Tables(events, versions, await checkpoint.ExecuteScalarAsync(cancellationToken) is long position ? position : 0);
    }

    /// <summary>Everything wrong with the tables, as sentences; empty when the crash left them consistent.</summary>
    private static List<string> Problems(Tables tables, ChildLines seen)
    {
        var problems = new List<string>();
        var events = tables.Events;

        // Positions are drawn under one lock until commit, so committed events number 1..head with no hole or repeat.
        for (var i = 0; i < events.Count; i++)
        {
            if (events[i].Position != i + 1)
            {
                problems.Add($"position {events[i].Position} is stored where {i + 1} was due (a hole or a repeat)");
                break;
            }
        }

        var batches = events.GroupBy(e => e.Payload.Batch).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        foreach (var (batch, rows) in batches)
        {
            var first = rows[0];
            var whole = rows.Count == first.Payload.Count
                && rows.Select(r => r.StreamId).Distinct().Count() == 1
                && rows.Select((r, i) => r.Payload.Index == i && r.StreamVersion == first.StreamVersion + i && r.Position == first.Position + i).All(ok => ok);
            if (!whole)
            {
                problems.Add($"batch {batch} is stored in part or out of order: {string.Join(", ", rows.Select(r => $"#{r.Payload.Index}/{r.Payload.Count} {r.StreamId}@{r.StreamVersion} pos {r.Position}"))}");
            }
        }

        foreach (var (batch, ack) in seen.Acks)
        {
            if (!batches.TryGetValue(batch, out var rows))
            {
                problems.Add($"acknowledged batch {batch} ({ack.Count} events on {ack.Stream}) is missing");
            }
            else if (rows.Count != ack.Count || rows[^1].StreamId != ack.Stream || rows[^1].StreamVersion != ack.Version || rows[^1].Position != ack.Position)
            {
                problems.Add($"acknowledged batch {batch} was {ack.Count} events ending at {ack.Stream}@{ack.Version} pos {ack.Position}, but {rows.Count} are stored ending at {rows[^1].StreamId}@{rows[^1].StreamVersion} pos {rows[^1].Position}");
            }
        }

        foreach (var stream in events.GroupBy(e => e.StreamId))
        {
            var versions = stream.Select(e => e.StreamVersion).Order().ToList();
            if (!versions.SequenceEqual(Enumerable.Range(1, versions.Count).Select(v => (long)v)))
            {
                problems.Add($"stream {stream.Key} has versions {string.Join(",", versions)}, not 1..{versions.Count}");
            }

            if (tables.StreamVersions.GetValueOrDefault(stream.Key) != versions.Count)
            {
                problems.Add($"stream {stream.Key} records version {tables.StreamVersions.GetValueOrDefault(stream.Key)} but holds {versions.Count} events");
            }
        }

        if (tables.Checkpoint > events.Count)
        {
            problems.Add($"the outbox checkpoint {tables.Checkpoint} is past the head {events.Count}");
        }

        // The host prints PUB before handing an event over, and the checkpoint moves after the hand-over finished.
        var unpublished = events.Where(e => e.Position <= tables.Checkpoint && !seen.Published.Contains(e.EventId)).Select(e => e.Position).ToList();
        if (unpublished.Count > 0)
        {
            problems.Add($"the outbox checkpoint {tables.Checkpoint} covers positions never handed to the bus: {string.Join(",", unpublished.Take(10))}");
        }

        return problems;
    }

    private static int LostEvents(Tables tables, ChildLines seen)
    {
        var stored = tables.Events.GroupBy(e => e.Payload.Batch).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        return seen.Acks.Sum(a => Math.Max(0, a.Value.Count - stored.GetValueOrDefault(a.Key)));
    }

    private sealed record Ack(string Stream, int Count, long Version, long Position);

    private sealed record Row(long Position, string StreamId, long StreamVersion, string EventId, CrashEvent Payload);

    private sealed record Tables(List<Row> Events, Dictionary<string, long> StreamVersions, long Checkpoint);

    /// <summary>What the children printed: acknowledged batches and the ids the outbox handed to the bus.</summary>
    private sealed class ChildLines
    {
        public Dictionary<string, Ack> Acks { get; } = new(StringComparer.Ordinal);

        public HashSet<string> Published { get; } = new(StringComparer.Ordinal);

        /// <summary>Records one line; true when it acknowledged an append.</summary>
        public bool Record(string line)
        {
            var parts = line.Split(' ');
            if (parts is ["PUB", var id])
            {
                Published.Add(id);
            }
            else if (parts is ["ACK", var batch, var stream, var count, var version, var position])
            {
                Acks.Add(batch, new Ack(stream, int.Parse(count, CultureInfo.InvariantCulture), long.Parse(version, CultureInfo.InvariantCulture), long.Parse(position, CultureInfo.InvariantCulture)));
                return true;
            }

            return false;
        }
    }
}
