using EventBus.PostgreSql.EventStore;
using EventBus.PostgreSql.Tests.TestSupport;

namespace EventBus.PostgreSql.Tests.Storage;

/// <summary>Waiters of one app instance wake on a NOTIFY sent after another instance's append commits, with polling
/// turned off so that nothing else could wake them; the listener comes back after its connection is killed.</summary>
public sealed class AppendNotifierTests : IAsyncDisposable
{
    private static readonly TimeSpan SafetyTimeout = TimeSpan.FromSeconds(60);
    private readonly TestSchema _schema = new();

    public ValueTask DisposeAsync() => _schema.DisposeAsync();

    [Fact]
    public async Task WaitForEventsAsync_PollingOff_AppendOfAnotherInstanceWakesItThroughNotify()
    {
        using var cts = new CancellationTokenSource(SafetyTimeout);
        var reader = new PostgreSqlEventStore(_schema.Open(o => o.PollInterval = Timeout.InfiniteTimeSpan));
        var writer = new PostgreSqlEventStore(_schema.Open());
        await writer.AppendAsync("s-1", ExpectedVersion.NoStream, TestEvents.New(1), cts.Token);
        await reader.WaitForEventsAsync(0, cts.Token);

        var waiting = reader.WaitForEventsAsync(1, cts.Token).AsTask();
        waiting.IsCompleted.Should().BeFalse();
        await writer.AppendAsync("s-2", ExpectedVersion.NoStream, TestEvents.New(1), cts.Token);

        await waiting.WaitAsync(cts.Token);
        (await reader.GetHeadPositionAsync(cts.Token)).Should().Be(2);
    }

    [Fact]
    public async Task Listener_ConnectionTerminated_ReconnectsAndStillWakesWaiters()
    {
        using var cts = new CancellationTokenSource(SafetyTimeout);
        var readerDatabase = _schema.Open(o => o.PollInterval = Timeout.InfiniteTimeSpan);
        var reader = new PostgreSqlEventStore(readerDatabase);
        var writer = new PostgreSqlEventStore(_schema.Open());
        var waiting = reader.WaitForEventsAsync(0, cts.Token).AsTask();
        var observer = await _schema.OpenRawAsync();
        var listener = await WaitForListenerAsync(observer, readerDatabase.NotificationChannel, exceptPid: null, cts.Token);

        await using (var kill = new Npgsql.NpgsqlCommand($"SELECT pg_terminate_backend({listener})", observer))
        {
            (await kill.ExecuteScalarAsync(cts.Token)).Should().Be(true);
        }

        var relistening = await WaitForListenerAsync(observer, readerDatabase.NotificationChannel, exceptPid: listener, cts.Token);
        await writer.AppendAsync("s-1", ExpectedVersion.NoStream, TestEvents.New(1), cts.Token);

        await waiting.WaitAsync(cts.Token);
        relistening.Should().NotBe(listener);
    }

    /// <summary>Waits (by asking the server, no sleeps) until a session listens on the schema's channel.</summary>
    private static async Task<int> WaitForListenerAsync(Npgsql.NpgsqlConnection observer, string channel, int? exceptPid, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await using var find = new Npgsql.NpgsqlCommand(
                "SELECT pid FROM pg_stat_activity WHERE query = $1 AND pid <> $2 AND datname = current_database()",
                observer);
            find.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = "LISTEN " + channel });
            find.Parameters.Add(new Npgsql.NpgsqlParameter<int> { TypedValue = exceptPid ?? 0 });
            if (await find.ExecuteScalarAsync(cancellationToken) is int pid)
            {
                return pid;
            }

            await Task.Yield();
        }
    }
}
