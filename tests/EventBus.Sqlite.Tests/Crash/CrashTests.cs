using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EventBus.Sqlite.CrashHost;
using EventBus.Sqlite.EventStore;
using EventBus.Sqlite.EventStore.Checkpoints;
using EventBus.Sqlite.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EventBus.Sqlite.Tests.Crash;

/// <summary>Kills a process that appends batches with SIGKILL at random points, many times, and checks the database
/// after every restart: nothing acknowledged is lost, nothing is half written, and the outbox publishes everything.</summary>
public sealed class CrashTests(ITestOutputHelper output)
{
    private const int Rounds = 14;
    private const int Appenders = 3;
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task AppendLoop_KilledAtRandomPoints_KeepsEveryAcknowledgedBatchWholeAndPublishesEveryEvent()
    {
        var seed = Random.Shared.Next();
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        using var file = new TempDatabase();
        using var budget = new CancellationTokenSource(Budget);
        var acknowledged = new Dictionary<string, Ack>(StringComparer.Ordinal);
        var published = new HashSet<string>(StringComparer.Ordinal);

        for (var round = 0; round < Rounds; round++)
        {
            // Both modes survive an application crash; NORMAL only risks the last commits on power loss.
            var synchronous = round % 2 == 0 ? "full" : "normal";
            var killAfter = random.Next(1, 40);
            var acks = await RunAndKillAsync(file.Path, synchronous, seed + round, killAfter, acknowledged, published, budget.Token);
            output.WriteLine($"round {round} ({synchronous}): killed after {acks} acknowledgements");
            var (head, checkpoint) = await VerifyAsync(file, acknowledged, published, $"seed {seed}, round {round}");
            output.WriteLine($"    {head} events stored, outbox checkpoint at {checkpoint}");
        }

        await DrainOutboxAsync(file, published);
        var all = await ReadAllAsync(file);
        all.Select(e => e.EventId).Should().OnlyContain(id => published.Contains(id), $"the outbox publishes every stored event at least once (seed {seed})");
        acknowledged.Should().NotBeEmpty();
    }

    private static async Task<int> RunAndKillAsync(string path, string synchronous, int seed, int killAfter, Dictionary<string, Ack> acknowledged, HashSet<string> published, CancellationToken cancellationToken)
    {
        var errors = new StringBuilder();
        using var child = new Process
        {
            StartInfo = new ProcessStartInfo(DotnetHost())
            {
                ArgumentList = { CrashHostPath(), path, synchronous, seed.ToString(CultureInfo.InvariantCulture), Appenders.ToString(CultureInfo.InvariantCulture) },
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            },
        };
        child.ErrorDataReceived += (_, e) =>
        {
            lock (errors)
            {
                errors.AppendLine(e.Data);
            }
        };
        child.Start();
        child.BeginErrorReadLine();
        var acks = 0;
        try
        {
            while (acks < killAfter)
            {
                var line = await child.StandardOutput.ReadLineAsync(cancellationToken);
                if (line is null)
                {
                    await child.WaitForExitAsync(cancellationToken);
                    lock (errors)
                    {
                        throw new InvalidOperationException($"The crash host exited with code {child.ExitCode} before it was killed: {errors}");
                    }
                }

                if (Record(line, acknowledged, published))
                {
                    acks++;
                }
            }
        }
        finally
        {
            // SIGKILL: no shutdown code runs, whatever the appenders and the outbox were doing.
            child.Kill(entireProcessTree: true);
        }

        await child.WaitForExitAsync(cancellationToken);

        // Lines written before the kill are still in the pipe.
        while (await child.StandardOutput.ReadLineAsync(cancellationToken) is { } rest)
        {
            Record(rest, acknowledged, published);
        }

        return acks;
    }

    private static bool Record(string line, Dictionary<string, Ack> acknowledged, HashSet<string> published)
    {
        var parts = line.Split(' ');
        switch (parts)
        {
            case ["ACK", var batch, var stream, var count, var version, var position]:
                acknowledged.Add(batch, new Ack(stream, int.Parse(count, CultureInfo.InvariantCulture), long.Parse(version, CultureInfo.InvariantCulture), long.Parse(position, CultureInfo.InvariantCulture)));
                return true;
            case ["PUB", var id]:
                published.Add(id);
                return false;
            default:
                return false;
        }
    }

    private static async Task<(long Head, long Checkpoint)> VerifyAsync(TempDatabase file, Dictionary<string, Ack> acknowledged, HashSet<string> published, string because)
    {
        using (var raw = file.OpenRaw())
        {
            TempDatabase.Scalar(raw, "PRAGMA integrity_check").Should().Be("ok", because);
        }

        var database = file.Open();
        var store = new SqliteEventStore(database);
        var events = await ReadAllAsync(store);
        var head = await store.GetHeadPositionAsync();

        // The global log has no hole: a killed transaction left nothing behind.
        events.Select(e => e.Position).Should().Equal(Enumerable.Range(1, (int)head).Select(p => (long)p), because);

        // Every batch is whole: all its events, in order, at consecutive versions and positions of one stream.
        var batches = events.GroupBy(e => e.Payload.Batch).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        foreach (var (batch, items) in batches)
        {
            items.Should().HaveCount(items[0].Payload.Count, $"batch {batch} is whole ({because})");
            items.Select(e => e.Payload.Index).Should().Equal(Enumerable.Range(0, items.Count), because);
            items.Select(e => e.StreamId).Distinct().Should().ContainSingle(because);
            items.Select(e => e.StreamVersion).Should().Equal(Enumerable.Range(0, items.Count).Select(i => items[0].StreamVersion + i), because);
            items.Select(e => e.Position).Should().Equal(Enumerable.Range(0, items.Count).Select(i => items[0].Position + i), because);
        }

        // Every acknowledged batch is there, where its append said.
        foreach (var (batch, ack) in acknowledged)
        {
            batches.Should().ContainKey(batch, $"acknowledged batch {batch} survives ({because})");
            var items = batches[batch];
            items.Should().HaveCount(ack.Count, because);
            items[^1].StreamId.Should().Be(ack.Stream, because);
            items[^1].StreamVersion.Should().Be(ack.Version, because);
            items[^1].Position.Should().Be(ack.Position, because);
        }

        // Stream versions are contiguous from 1, and the stream's version is its last event's.
        foreach (var stream in events.GroupBy(e => e.StreamId))
        {
            stream.Select(e => e.StreamVersion).Should().Equal(Enumerable.Range(1, stream.Count()).Select(v => (long)v), because);
            (await store.GetStreamInfoAsync(stream.Key)).Version.Should().Be(stream.Count(), because);
        }

        // The outbox checkpoint only covers events whose publication was under way before the kill.
        var checkpoint = await new SqliteCheckpointStore(database).LoadAsync("$outbox") ?? 0;
        checkpoint.Should().BeLessThanOrEqualTo(head, because);
        // (Except, not OnlyContain: the kill may come before the outbox checkpointed anything.)
        events.Where(e => e.Position <= checkpoint).Select(e => e.EventId).Except(published).Should().BeEmpty(because);
        database.Dispose();
        return (head, checkpoint);
    }

    private static async Task DrainOutboxAsync(TempDatabase file, HashSet<string> published)
    {
        // One more restart, in process and stopped gracefully: the outbox publishes what the kills left pending.
        long checkpoint, head;
        using (var database = file.Open())
        {
            checkpoint = await new SqliteCheckpointStore(database).LoadAsync("$outbox") ?? 0;
            head = await new SqliteEventStore(database).GetHeadPositionAsync();
        }

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddEventBus().UseSqlite(file.ConnectionString).AddEventStore().AddEventType<CrashEvent>();
        using var host = builder.Build();
        var received = new Recorder<Event>();
        host.Services.GetRequiredService<IEventBus>().Subscribe("crash.appended", e => received.Add(e));
        await host.StartAsync();
        await received.WaitForAsync((int)(head - checkpoint), TimeSpan.FromMinutes(1));
        await host.StopAsync();
        published.UnionWith(received.Items.Select(e => e.Id));
        (await host.Services.GetRequiredService<ICheckpointStore>().LoadAsync("$outbox")).Should().Be(head);
    }

    private static Task<List<Stored>> ReadAllAsync(TempDatabase file) => ReadAllAsync(new SqliteEventStore(file.Open()));

    private static async Task<List<Stored>> ReadAllAsync(IEventStore store)
    {
        var events = new List<Stored>();
        await foreach (var record in store.ReadAllAsync())
        {
            var payload = JsonSerializer.Deserialize<CrashEvent>(record.Data.Span, JsonSerializerOptions.Web)!;
            events.Add(new Stored(record.StreamId, record.StreamVersion, record.Position, record.EventId, payload));
        }

        return events;
    }

    private static string DotnetHost() => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    private static string CrashHostPath()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "EventBus.Sqlite.CrashHost.dll");
        File.Exists(path).Should().BeTrue("the crash host is built next to the tests (project reference)");
        return path;
    }

    private sealed record Ack(string Stream, int Count, long Version, long Position);

    private sealed record Stored(string StreamId, long StreamVersion, long Position, string EventId, CrashEvent Payload);
}
