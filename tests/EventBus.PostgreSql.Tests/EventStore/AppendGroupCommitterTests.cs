using EventBus.PostgreSql.EventStore;
using EventBus.PostgreSql.Storage;
using EventBus.PostgreSql.Tests.TestSupport;
using Npgsql;

namespace EventBus.PostgreSql.Tests.EventStore;

/// <summary>Group commit: appends of one process that arrive while one of its appends is in flight go to the database
/// together, in one transaction, and each still gets its own outcome. Each test holds the global order with an open
/// transaction of another "app instance", so an append of the store is in flight for as long as the test needs and
/// the next ones queue behind it.</summary>
public sealed class AppendGroupCommitterTests : IAsyncDisposable
{
    private static readonly TimeSpan SafetyTimeout = TimeSpan.FromSeconds(60);
    private readonly TestSchema _schema = new();

    public ValueTask DisposeAsync() => _schema.DisposeAsync();

    [Fact]
    public async Task AppendAsync_AppendsQueuedBehindOneInFlight_GoInOneTransactionAndEachGetsItsOwnOutcome()
    {
        using var cts = new CancellationTokenSource(SafetyTimeout);
        var database = _schema.Open();
        var store = new PostgreSqlEventStore(database);
        var stored = TestEvents.New(2);
        await store.AppendAsync("s-1", ExpectedVersion.NoStream, stored, cts.Token);
        await store.AppendAsync("doomed", ExpectedVersion.NoStream, TestEvents.New(1), cts.Token);
        await store.DeleteStreamAsync("doomed", ExpectedVersion.Any, cts.Token);
        var (held, inFlight) = await HoldTheOrderWithAnAppendInFlightAsync(database, store, cts.Token);

        var conflict = store.AppendAsync("s-1", ExpectedVersion.Exact(7), TestEvents.New(1), cts.Token).AsTask();
        var appended = store.AppendAsync("c", ExpectedVersion.NoStream, TestEvents.New(3), cts.Token).AsTask();
        var retry = store.AppendAsync("s-1", ExpectedVersion.NoStream, stored, cts.Token).AsTask();
        var deleted = store.AppendAsync("doomed", ExpectedVersion.Any, TestEvents.New(1), cts.Token).AsTask();
        var noSuchStream = store.AppendAsync("ghost", ExpectedVersion.StreamExists, TestEvents.New(1), cts.Token).AsTask();
        store.Appends.QueuedCount.Should().Be(5, "they arrived while an append was in flight");
        var transactionsBefore = store.Appends.Transactions;

        await held.CommitAsync(cts.Token);
        (await inFlight).Should().Be(new AppendResult(1, 6));
        (await appended).Should().Be(new AppendResult(3, 9), "positions continue after the append that was in flight");
        (await retry).Should().Be(new AppendResult(2, 2), "an idempotent retry answers with the stored result");
        (await conflict.Awaiting(t => t).Should().ThrowAsync<EventStoreConcurrencyException>()).Which.ActualVersion.Should().Be(2);
        await deleted.Awaiting(t => t).Should().ThrowAsync<StreamDeletedException>();
        (await noSuchStream.Awaiting(t => t).Should().ThrowAsync<EventStoreConcurrencyException>()).Which.ActualVersion.Should().Be(0);

        (store.Appends.Transactions - transactionsBefore).Should().Be(1, "the five queued appends shared one transaction");
        (await store.GetStreamInfoAsync("s-1", cts.Token)).Version.Should().Be(2);
        (await CountStreamRowsAsync("ghost")).Should().Be(0, "a refused append leaves no stream row behind");
        (await ReadAllPositionsAsync(store, cts.Token)).Should().Equal(1, 2, 3, 4, 5, 6, 7, 8, 9);
    }

    [Fact]
    public async Task AppendAsync_TwoAppendsToOneStreamInOneGroup_AreCheckedAndVersionedInArrivalOrder()
    {
        using var cts = new CancellationTokenSource(SafetyTimeout);
        var database = _schema.Open();
        var store = new PostgreSqlEventStore(database);
        var (held, inFlight) = await HoldTheOrderWithAnAppendInFlightAsync(database, store, cts.Token);

        var first = store.AppendAsync("s", ExpectedVersion.NoStream, TestEvents.New(2), cts.Token).AsTask();
        var second = store.AppendAsync("s", ExpectedVersion.Exact(2), TestEvents.New(1), cts.Token).AsTask();
        var stale = store.AppendAsync("s", ExpectedVersion.Exact(2), TestEvents.New(1), cts.Token).AsTask();
        var transactionsBefore = store.Appends.Transactions;

        await held.CommitAsync(cts.Token);
        await inFlight;
        (await first).Should().Be(new AppendResult(2, 5));
        (await second).Should().Be(new AppendResult(3, 6));
        (await stale.Awaiting(t => t).Should().ThrowAsync<EventStoreConcurrencyException>()).Which.ActualVersion.Should().Be(3);
        (store.Appends.Transactions - transactionsBefore).Should().Be(1);
        var versions = new List<long>();
        await foreach (var record in store.ReadStreamAsync("s", cancellationToken: cts.Token))
        {
            versions.Add(record.StreamVersion);
        }

        versions.Should().Equal(1, 2, 3);
    }

    [Fact]
    public async Task AppendAsync_GroupWithAnIdStoredByAnotherBatch_OnlyThatAppendFailsAndTheOthersAreWritten()
    {
        using var cts = new CancellationTokenSource(SafetyTimeout);
        var database = _schema.Open();
        var store = new PostgreSqlEventStore(database);
        var earlier = TestEvents.New(1);
        await store.AppendAsync("earlier", ExpectedVersion.NoStream, earlier, cts.Token);
        var (held, inFlight) = await HoldTheOrderWithAnAppendInFlightAsync(database, store, cts.Token);

        var before = store.AppendAsync("before", ExpectedVersion.NoStream, TestEvents.New(2), cts.Token).AsTask();
        var reusesAnId = store.AppendAsync("bad", ExpectedVersion.NoStream, [.. TestEvents.New(1), earlier[0]], cts.Token).AsTask();
        var after = store.AppendAsync("after", ExpectedVersion.NoStream, TestEvents.New(1), cts.Token).AsTask();

        await held.CommitAsync(cts.Token);
        await inFlight;
        (await reusesAnId.Awaiting(t => t).Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain(earlier[0].EventId).And.Contain("'earlier'");
        (await before).Should().Be(new AppendResult(2, 6));
        (await after).Should().Be(new AppendResult(1, 7), "the failed append left no position behind");
        (await store.GetStreamInfoAsync("bad", cts.Token)).Version.Should().Be(0);
        (await ReadAllPositionsAsync(store, cts.Token)).Should().Equal(1, 2, 3, 4, 5, 6, 7);
    }

    [Fact]
    public async Task AppendAsync_ConnectionOfTheGroupDies_NoAppendOfTheGroupReportsSuccessAndRetriesWriteThemOnce()
    {
        using var cts = new CancellationTokenSource(SafetyTimeout);
        var database = _schema.Open();
        var store = new PostgreSqlEventStore(database);
        var (firstHeld, inFlight) = await HoldTheOrderWithAnAppendInFlightAsync(database, store, cts.Token);
        var b = TestEvents.New(2);
        var c = TestEvents.New(1);
        var groupB = store.AppendAsync("b", ExpectedVersion.NoStream, b, cts.Token).AsTask();
        var groupC = store.AppendAsync("c", ExpectedVersion.NoStream, c, cts.Token).AsTask();
        store.Appends.QueuedCount.Should().Be(2);

        // A second app instance queues for the order behind the append in flight, so the group of b and c, sent when
        // that append commits, waits behind it: long enough to lose its connection.
        var other = await _schema.OpenRawAsync();
        var secondHeld = await other.BeginTransactionAsync(cts.Token);
        var secondAppend = RawAppend.AppendAsync(other, secondHeld, _schema.Name, "held-2", ["held-2-1"], cts.Token);
        await WaitForOrderWaitersAsync(database.DataSource, 2, cts.Token);
        await firstHeld.CommitAsync(cts.Token);
        await inFlight;
        await secondAppend;
        (await RawAppend.WaitUntilAnAppendQueuesAsync(database.DataSource, _schema.Name, () => groupB.IsCompleted, cts.Token)).Should().BeTrue();
        await TerminateTheOrderWaiterAsync(database.DataSource, cts.Token);

        await groupB.Awaiting(t => t).Should().ThrowAsync<NpgsqlException>();
        await groupC.Awaiting(t => t).Should().ThrowAsync<NpgsqlException>();
        await secondHeld.CommitAsync(cts.Token);
        (await store.GetStreamInfoAsync("b", cts.Token)).Version.Should().Be(0, "nothing of the group was written");
        (await store.GetStreamInfoAsync("c", cts.Token)).Version.Should().Be(0);

        (await store.AppendAsync("b", ExpectedVersion.NoStream, b, cts.Token)).Should().Be(new AppendResult(2, 6));
        (await store.AppendAsync("c", ExpectedVersion.NoStream, c, cts.Token)).Should().Be(new AppendResult(1, 7));
        (await store.AppendAsync("b", ExpectedVersion.NoStream, b, cts.Token)).Should().Be(new AppendResult(2, 6), "once written, a retry only answers");
        (await ReadAllPositionsAsync(store, cts.Token)).Should().Equal(1, 2, 3, 4, 5, 6, 7);
    }

    [Fact]
    public async Task AppendAsync_CancelledWhileWaitingForItsGroup_IsNotWritten()
    {
        using var cts = new CancellationTokenSource(SafetyTimeout);
        var database = _schema.Open();
        var store = new PostgreSqlEventStore(database);
        var (held, inFlight) = await HoldTheOrderWithAnAppendInFlightAsync(database, store, cts.Token);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
        var cancelled = store.AppendAsync("cancelled", ExpectedVersion.NoStream, TestEvents.New(1), cancel.Token).AsTask();
        var kept = store.AppendAsync("kept", ExpectedVersion.NoStream, TestEvents.New(1), cts.Token).AsTask();

        await cancel.CancelAsync();
        await cancelled.Awaiting(t => t).Should().ThrowAsync<OperationCanceledException>();
        await held.CommitAsync(cts.Token);
        await inFlight;
        (await kept).Should().Be(new AppendResult(1, 4));
        (await store.GetStreamInfoAsync("cancelled", cts.Token)).Version.Should().Be(0);
    }

    [Fact]
    public async Task DisposeAsync_OfTheDatabase_ClosesTheConnectionTheGroupCommitKeepsOpen()
    {
        using var cts = new CancellationTokenSource(SafetyTimeout);
        var applicationName = "eb-committer-" + Guid.NewGuid().ToString("N")[..12];
        var connectionString = new NpgsqlConnectionStringBuilder(_schema.ConnectionString) { ApplicationName = applicationName }.ConnectionString;
        var options = new PostgreSqlOptions { Schema = _schema.Name };
        var database = new PostgreSqlDatabase(NpgsqlDataSource.Create(connectionString), ownsDataSource: true, options, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var store = new PostgreSqlEventStore(database);
        await store.AppendAsync("s-1", ExpectedVersion.NoStream, TestEvents.New(1), cts.Token);
        await store.AppendAsync("s-1", ExpectedVersion.Exact(1), TestEvents.New(1), cts.Token);
        var observer = await _schema.OpenRawAsync();
        (await CountSessionsAsync(observer, applicationName, cts.Token)).Should().BePositive();

        await database.DisposeAsync();

        while (await CountSessionsAsync(observer, applicationName, cts.Token) > 0)
        {
            await Task.Yield();
        }
    }

    private static async Task<long> CountSessionsAsync(NpgsqlConnection observer, string applicationName, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", observer);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = applicationName });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Opens another instance's append of two events without committing it, then starts an append of the
    /// store (one event, stream "in-flight") and returns once that waits for the order.</summary>
    private async Task<(NpgsqlTransaction Held, Task<AppendResult> InFlight)> HoldTheOrderWithAnAppendInFlightAsync(PostgreSqlDatabase database, PostgreSqlEventStore store, CancellationToken cancellationToken)
    {
        await database.EnsureInitializedAsync(cancellationToken);
        var connection = await _schema.OpenRawAsync();
        var transaction = await connection.BeginTransactionAsync(cancellationToken);
        _schema.Track(transaction);
        var ids = new[] { Guid.NewGuid().ToString(), Guid.NewGuid().ToString() };
        await RawAppend.AppendAsync(connection, transaction, _schema.Name, "held-" + ids[0], ids, cancellationToken);
        var inFlight = store.AppendAsync("in-flight", ExpectedVersion.NoStream, TestEvents.New(1), cancellationToken).AsTask();
        (await RawAppend.WaitUntilAnAppendQueuesAsync(database.DataSource, _schema.Name, () => inFlight.IsCompleted, cancellationToken))
            .Should().BeTrue("the store's append waits for the open one");
        return (transaction, inFlight);
    }

    private static async Task<List<long>> ReadAllPositionsAsync(PostgreSqlEventStore store, CancellationToken cancellationToken)
    {
        var positions = new List<long>();
        await foreach (var record in store.ReadAllAsync(cancellationToken: cancellationToken))
        {
            positions.Add(record.Position);
        }

        return positions;
    }

    private async Task<long> CountStreamRowsAsync(string streamId)
    {
        var connection = await _schema.OpenRawAsync();
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM \"{_schema.Name}\".streams WHERE stream_id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamId });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private string OrderWaiters(string select) => $"""
        SELECT {select} FROM pg_locks
        WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND classid = {0x45420000}::oid AND objid = '"{_schema.Name}".events'::regclass::oid
        """;

    private async Task WaitForOrderWaitersAsync(NpgsqlDataSource observer, int count, CancellationToken cancellationToken)
    {
        while (true)
        {
            await using var command = observer.CreateCommand(OrderWaiters("count(*)"));
            if ((long)(await command.ExecuteScalarAsync(cancellationToken))! >= count)
            {
                return;
            }

            await Task.Yield();
        }
    }

    private async Task TerminateTheOrderWaiterAsync(NpgsqlDataSource observer, CancellationToken cancellationToken)
    {
        await using var command = observer.CreateCommand($"SELECT pg_terminate_backend(pid) FROM ({OrderWaiters("pid")}) AS waiting");
        (await command.ExecuteScalarAsync(cancellationToken)).Should().Be(true);
    }
}
