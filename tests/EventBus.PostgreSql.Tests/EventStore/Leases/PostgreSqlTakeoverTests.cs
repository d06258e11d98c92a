using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;
using EventBus.PostgreSql.EventStore;
using EventBus.PostgreSql.EventStore.Leases;
using EventBus.PostgreSql.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace EventBus.PostgreSql.Tests.EventStore.Leases;

/// <summary>Issue 13: two app instances on one database, each with the outbox (feeding a durable subscription) and a
/// projection. Each processor runs on one instance at a time; when the leader's connections are killed with
/// <c>pg_terminate_backend</c> and it stays cut off, the other instance takes both over within the lease duration plus
/// the acquire interval, and every event is projected and published, at least once.</summary>
public sealed class PostgreSqlTakeoverTests(ITestOutputHelper output) : IAsyncDisposable
{
    private const int Total = 2000;
    private const int Batch = 20;
    private const string View = "pg-takeover-view";
    private const int ProjectionBatchSize = 50;
    private static readonly string[] Processors = ["$outbox", View];
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan AcquireInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan SafetyTimeout = TimeSpan.FromMinutes(2);
    private readonly TestSchema _schema = new();

    public ValueTask DisposeAsync() => _schema.DisposeAsync();

    [Fact]
    public Task TwoInstances_LeaderKilledMidway_OtherTakesOver_EveryEventProjectedAndPublished() => RunAsync(cutOff: true);

    /// <summary>Killing the sessions of a leader that then reconnects is a blip: it renews in time and goes on (or, on
    /// a slow machine, the other takes over); either way nothing is lost.</summary>
    [Fact]
    public Task TwoInstances_LeaderSessionsKilledAndItReconnects_EveryEventProjectedAndPublished() => RunAsync(cutOff: false);

    private async Task RunAsync(bool cutOff)
    {
        using var cts = new CancellationTokenSource(SafetyTimeout);
        var server = new NpgsqlConnectionStringBuilder(_schema.ConnectionString);
        await using var leaderLink = new TcpProxy(server.Host!, server.Port);
        var leaderApp = "eb-leader-" + Guid.NewGuid().ToString("N")[..8];
        var leaderConnection = new NpgsqlConnectionStringBuilder(_schema.ConnectionString) { Host = "127.0.0.1", Port = leaderLink.Port, ApplicationName = leaderApp, Timeout = 3 }.ConnectionString;
        var followerConnection = new NpgsqlConnectionStringBuilder(_schema.ConnectionString) { ApplicationName = "eb-follower-" + Guid.NewGuid().ToString("N")[..8] }.ConnectionString;
        var ledger = new Ledger();
        using var leader = BuildHost("leader", leaderConnection, ledger);
        using var follower = BuildHost("follower", followerConnection, ledger);

        await leader.StartAsync(cts.Token);
        var leaderId = Holder(leader);
        await WaitUntilHeldAsync(leaderId, cts.Token);
        await follower.StartAsync(cts.Token);
        var followerId = Holder(follower);

        // A third party appends (so appends never depend on the leader's connections): half, then the rest after the kill.
        var writer = new PostgreSqlEventStore(_schema.Open());
        var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var appending = Task.Run(async () =>
        {
            for (var i = 0; i < Total / Batch; i++)
            {
                if (i == Total / Batch / 2)
                {
                    await killed.Task.WaitAsync(cts.Token);
                }

                var events = Enumerable.Range(0, Batch).Select(n => Data($"e-{(i * Batch) + n:D5}")).ToArray();
                await writer.AppendAsync($"stream-{i % 7}", ExpectedVersion.Any, events, cts.Token);
            }
        });

        await ledger.Projected.WaitForAsync(Total / 4, SafetyTimeout);
        await ledger.Published.WaitForAsync(Total / 4, SafetyTimeout);
        var projectedAtKill = ledger.Projected.Items.Select(p => p.Id).Distinct().Count();
        var leaderWorked = ledger.Projected.Items.Any(p => p.Instance == "leader") && ledger.Published.Items.Any(p => p.Instance == "leader");
        var terminated = await TerminateAsync(leaderApp, cts.Token);
        if (cutOff)
        {
            // And it stays cut off, as if its host had died: its pool cannot reconnect, so it cannot renew.
            leaderLink.Cut();
        }

        killed.SetResult();
        if (cutOff)
        {
            await WaitUntilHeldAsync(followerId, cts.Token);
        }

        await appending;

        await WaitUntilAsync(() => Distinct(ledger.Projected) == Total && Distinct(ledger.Published) == Total, cts.Token);
        await follower.StopAsync(cts.Token);
        await leader.StopAsync(cts.Token);

        var projected = Distinct(ledger.Projected);
        var published = Distinct(ledger.Published);
        var redeliveredProjection = ledger.Projected.Count - projected;
        var redeliveredOutbox = ledger.Published.Count - published;
        var tokens = await FencingTokensAsync(cts.Token);
        var takenOver = cutOff ? $"the follower took both leases over (lease {LeaseDuration.TotalMilliseconds:F0} ms, acquire interval {AcquireInterval.TotalMilliseconds:F0} ms)" : "the leader could reconnect";
        output.WriteLine($"killed {terminated} leader sessions with {projectedAtKill} events projected; {takenOver}; fencing tokens {string.Join(", ", tokens.Select(t => $"{t.Key}={t.Value}"))}");
        output.WriteLine($"by instance: projected {Describe(ledger.Projected)}; published {Describe(ledger.Published)}; redelivered: projection {redeliveredProjection}, outbox {redeliveredOutbox}");
        output.WriteLine($"ledger: {(cutOff ? "pg-takeover" : "pg-reconnect")}: {Total} appended, {projected} projected, {published} published, {Total - Math.Min(projected, published)} lost, {redeliveredProjection + redeliveredOutbox} redelivered");

        terminated.Should().BePositive("the leader had sessions to kill");
        projectedAtKill.Should().BeLessThan(Total, "the leader was killed mid-way");
        leaderWorked.Should().BeTrue("the leader projected and published until it was killed");
        projected.Should().Be(Total, "every event is projected");
        published.Should().Be(Total, "every event is published");
        if (cutOff)
        {
            ledger.Projected.Items.Where(p => p.Instance == "follower").Should().NotBeEmpty("the follower took the projection over");
            ledger.Published.Items.Where(p => p.Instance == "follower").Should().NotBeEmpty("the follower took the outbox over");
            tokens.Values.Should().OnlyContain(t => t > 1, "each lease changed hands");

            // At least once, and no more: each change of hands repeats at most the events applied since the last
            // checkpoint save of the projection.
            redeliveredProjection.Should().BeLessThanOrEqualTo(ProjectionBatchSize * (int)(tokens[View] - 1));
        }
    }

    private static int Distinct(Recorder<(string Instance, string Id)> recorder) => recorder.Items.Select(p => p.Id).Distinct().Count();

    private static string Describe(Recorder<(string Instance, string Id)> recorder) =>
        string.Join(", ", recorder.Items.GroupBy(p => p.Instance).Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Key} {g.Count()}")));

    private static string Holder(IHost host) => ((PostgreSqlProcessorLeaseStore)host.Services.GetRequiredService<IProcessorLeaseStore>()).Holder;

    private static EventData Data(string id) => new(id, "test.happened", Encoding.UTF8.GetBytes($"{{\"id\":\"{id}\"}}"), "{}"u8.ToArray());

    private IHost BuildHost(string instance, string connectionString, Ledger ledger)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.AddProvider(new TestOutputLogger(output, instance, LogLevel.Information));
        builder.Services.AddSingleton(new InstanceLedger(instance, ledger));
        builder.Services.AddEventBus()
            .AddEventStore(o => o.OutboxRetryDelay = AcquireInterval)
            .AddEventType<Happened>()
            .AddProjection<RecordingProjection>(View, o =>
            {
                o.BatchSize = ProjectionBatchSize;
                o.RetryDelay = AcquireInterval;
            });
        builder.Services.AddEventBus().UsePostgreSql(connectionString, o =>
        {
            o.Schema = _schema.Name;
            o.PollInterval = TimeSpan.FromMilliseconds(50);
            o.LeaseDuration = LeaseDuration;
            o.LeaseRenewInterval = TimeSpan.FromMilliseconds(300);
            o.LeaseAcquireInterval = AcquireInterval;
        });
        var host = builder.Build();

        // A durable subscription: a bus subscription fed by the outbox of whichever instance holds its lease.
        host.Services.GetRequiredService<IEventBus>().Subscribe("test.happened", e => ledger.Published.Add((instance, e.Id)));
        return host;
    }

    private async Task<int> TerminateAsync(string applicationName, CancellationToken cancellationToken)
    {
        await using var connection = await _schema.OpenRawAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1) AS t", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = applicationName });
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    private async Task WaitUntilHeldAsync(string holder, CancellationToken cancellationToken)
    {
        await using var connection = await _schema.OpenRawAsync();
        await WaitUntilAsync(async () =>
        {
            await using var command = new NpgsqlCommand($"SELECT count(*) FROM \"{_schema.Name}\".processor_leases WHERE holder = $1 AND name = ANY($2) AND expires_at > clock_timestamp()", connection);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = holder });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = Processors });
            return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) == Processors.Length;
        }, cancellationToken);
    }

    private async Task<Dictionary<string, long>> FencingTokensAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _schema.OpenRawAsync();
        await using var command = new NpgsqlCommand($"SELECT name, fencing_token FROM \"{_schema.Name}\".processor_leases", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var tokens = new Dictionary<string, long>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            tokens[reader.GetString(0)] = reader.GetInt64(1);
        }

        return tokens;
    }

    private static Task WaitUntilAsync(Func<bool> condition, CancellationToken cancellationToken) =>
        WaitUntilAsync(() => Task.FromResult(condition()), cancellationToken);

    /// <summary>Polls a condition that no event signals (a row in another instance's hands), bounded by the token.</summary>
    private static async Task WaitUntilAsync(Func<Task<bool>> condition, CancellationToken cancellationToken)
    {
        while (!await condition())
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
        }
    }

    [EventType("test.happened")]
    public sealed record Happened([property: JsonPropertyName("id")] string Id);

    public sealed class Ledger
    {
        public Recorder<(string Instance, string Id)> Projected { get; } = new();

        public Recorder<(string Instance, string Id)> Published { get; } = new();
    }

    public sealed record InstanceLedger(string Instance, Ledger Ledger);

    public sealed class RecordingProjection(InstanceLedger ledger) : IProjection
    {
        public ValueTask ApplyAsync(StoredEvent @event, CancellationToken cancellationToken)
        {
            ledger.Ledger.Projected.Add((ledger.Instance, @event.Event.Id));
            return ValueTask.CompletedTask;
        }

        public ValueTask ResetAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
