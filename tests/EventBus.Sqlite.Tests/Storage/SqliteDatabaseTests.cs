using System.Text;
using EventBus.Sqlite.EventStore;
using EventBus.Sqlite.EventStore.Checkpoints;
using EventBus.Sqlite.EventStore.Snapshots;
using EventBus.Sqlite.Storage;
using EventBus.Sqlite.Tests.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace EventBus.Sqlite.Tests.Storage;

public sealed class SqliteDatabaseTests : IDisposable
{
    private readonly TempDatabase _file = new();

    public void Dispose() => _file.Dispose();

    private static EventData NewEvent(string? id = null) =>
        new(id ?? Guid.NewGuid().ToString(), "test.happened", Encoding.UTF8.GetBytes("{}"), Encoding.UTF8.GetBytes("{}"));

    [Fact]
    public async Task Open_NewFile_CreatesTheVersionedSchemaInWalMode()
    {
        var store = new SqliteEventStore(_file.Open());

        await store.AppendAsync("s-1", ExpectedVersion.NoStream, [NewEvent()]);

        using var raw = _file.OpenRaw();
        TempDatabase.Scalar(raw, "PRAGMA journal_mode").Should().Be("wal");
        TempDatabase.Scalar(raw, "SELECT group_concat(version) FROM (SELECT version FROM eventbus_schema_version ORDER BY version)").Should().Be(string.Join(",", SqliteSchema.Migrations.Select(m => m.Version)));
    }

    [Fact]
    public void Open_TextFile_ThrowsNotADatabase()
    {
        File.WriteAllText(_file.Path, "These are my notes, not a database. Please keep them as they are.\n");
        var database = _file.Open();

        var act = database.EnsureInitialized;

        var error = act.Should().Throw<SqliteDatabaseException>().Which;
        error.Error.Should().Be(SqliteDatabaseError.NotADatabase);
        error.DataSource.Should().Be(_file.Path);
        error.Message.Should().Contain(_file.Path).And.Contain("not a SQLite database");
        File.ReadAllText(_file.Path).Should().StartWith("These are my notes");
    }

    [Fact]
    public async Task Open_DatabaseOfAnotherApplication_ThrowsNotAnEventBusDatabase_AndChangesNothing()
    {
        using (var raw = _file.OpenRaw())
        {
            TempDatabase.Scalar(raw, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)");
        }

        var store = new SqliteEventStore(_file.Open());

        var act = () => store.AppendAsync("s-1", ExpectedVersion.Any, [NewEvent()]).AsTask();

        var error = (await act.Should().ThrowAsync<SqliteDatabaseException>()).Which;
        error.Error.Should().Be(SqliteDatabaseError.NotAnEventBusDatabase);
        error.Message.Should().Contain("customers").And.Contain("not an EventBus database");
        using var check = _file.OpenRaw();
        TempDatabase.Scalar(check, "PRAGMA journal_mode").Should().Be("delete", "a foreign database is refused before anything in it changes");
        TempDatabase.Scalar(check, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'eventbus%'").Should().Be(0L);
    }

    [Fact]
    public void Open_MissingDirectory_ThrowsCannotOpen()
    {
        var path = Path.Combine(_file.Directory, "no-such-directory", "eventbus.db");
        var database = _file.Open(o => o.ConnectionString = $"Data Source={path}");

        var act = database.EnsureInitialized;

        var error = act.Should().Throw<SqliteDatabaseException>().Which;
        error.Error.Should().Be(SqliteDatabaseError.CannotOpen);
        error.Message.Should().Contain(path).And.Contain("directory exists");
    }

    [Fact]
    public void Open_SchemaOfANewerRelease_ThrowsUnsupportedSchemaVersion()
    {
        _file.Open().EnsureInitialized();
        using (var raw = _file.OpenRaw())
        {
            TempDatabase.Scalar(raw, "INSERT INTO eventbus_schema_version (version, description, applied_utc) VALUES (99, 'from the future', '2030-01-01')");
        }

        var act = _file.Open().EnsureInitialized;

        var error = act.Should().Throw<SqliteDatabaseException>().Which;
        error.Error.Should().Be(SqliteDatabaseError.UnsupportedSchemaVersion);
        error.Message.Should().Contain("99").And.Contain("Upgrade");
    }

    [Fact]
    public async Task Open_OlderSchema_AppliesTheForwardMigrationsOnceKeepingTheData()
    {
        // A file made by the first release (schema version 1) gets every later step, including the real ones.
        var v1 = _file.Open(migrations: [SqliteSchema.Migrations[0]]);
        await new SqliteEventStore(v1).AppendAsync("s-1", ExpectedVersion.NoStream, [NewEvent("kept")]);
        v1.Dispose();
        var next = SqliteSchema.Migrations[^1].Version + 1;
        SchemaMigration[] upgraded = [.. SqliteSchema.Migrations, new(next, "test: audit table", "CREATE TABLE eventbus_test_audit (id INTEGER PRIMARY KEY);")];

        var v2 = _file.Open(migrations: upgraded);
        v2.EnsureInitialized();
        v2.Dispose();
        var again = _file.Open(migrations: upgraded);
        var events = new List<EventRecord>();
        await foreach (var record in new SqliteEventStore(again).ReadStreamAsync("s-1"))
        {
            events.Add(record);
        }

        events.Should().ContainSingle().Which.EventId.Should().Be("kept");
        using var raw = _file.OpenRaw();
        TempDatabase.Scalar(raw, "SELECT group_concat(version) FROM (SELECT version FROM eventbus_schema_version ORDER BY version)").Should().Be(string.Join(',', upgraded.Select(m => m.Version)));
        TempDatabase.Scalar(raw, "SELECT count(*) FROM sqlite_master WHERE name = 'eventbus_test_audit'").Should().Be(1L);
        TempDatabase.Scalar(raw, "SELECT count(*) FROM sqlite_master WHERE name IN ('eventbus_dead_letters', 'eventbus_inbox', 'eventbus_sagas')").Should().Be(3L);
    }

    [Theory]
    [InlineData(SqliteSynchronousMode.Full, 2L)]
    [InlineData(SqliteSynchronousMode.Normal, 1L)]
    public async Task Synchronous_IsAppliedToTheWriter(SqliteSynchronousMode mode, long pragmaValue)
    {
        var database = _file.Open(o => o.Synchronous = mode);

        var value = await database.WriteAsync(session => session.Command("PRAGMA synchronous").ExecuteScalar(), CancellationToken.None);

        value.Should().Be(pragmaValue);
    }

    [Fact]
    public void Synchronous_DefaultsToFull() => new SqliteOptions().Synchronous.Should().Be(SqliteSynchronousMode.Full);

    [Fact]
    public async Task Reopen_AfterDispose_KeepsEventsSnapshotsAndCheckpoints()
    {
        var first = _file.Open();
        var appended = await new SqliteEventStore(first).AppendAsync("order-1", ExpectedVersion.NoStream, [NewEvent("e-1"), NewEvent("e-2")]);
        await new SqliteSnapshotStore(first).SaveAsync(new Snapshot("order-1", 2, 1, Encoding.UTF8.GetBytes("{\"n\":2}"), DateTimeOffset.UnixEpoch));
        await new SqliteCheckpointStore(first).SaveAsync("view", 2);
        first.Dispose();

        var second = _file.Open();
        var store = new SqliteEventStore(second);
        var retried = await store.AppendAsync("order-1", ExpectedVersion.NoStream, [NewEvent("e-1"), NewEvent("e-2")]);
        var next = await store.AppendAsync("order-1", ExpectedVersion.Exact(2), [NewEvent("e-3")]);

        retried.Should().Be(appended, "idempotency by event id survives a restart");
        next.Should().Be(new AppendResult(3, 3));
        (await new SqliteSnapshotStore(second).LoadAsync("order-1"))!.StreamVersion.Should().Be(2);
        (await new SqliteCheckpointStore(second).LoadAsync("view")).Should().Be(2);
        await store.WaitForEventsAsync(2);
    }

    [Fact]
    public async Task Append_EmptyDataAndMetadata_RoundTripAsEmpty()
    {
        var store = new SqliteEventStore(_file.Open());

        await store.AppendAsync("s-1", ExpectedVersion.Any, [new EventData("empty", "test.happened", ReadOnlyMemory<byte>.Empty)]);

        await foreach (var record in store.ReadAllAsync())
        {
            record.Data.Length.Should().Be(0);
            record.Metadata.Length.Should().Be(0);
        }
    }

    [Fact]
    public async Task GroupCommit_QueuedWrites_CommitInOneTransaction_EachCallerWithItsOwnOutcome()
    {
        var database = _file.Open();
        var store = new SqliteEventStore(database);
        var checkpoints = new SqliteCheckpointStore(database);
        var (blocker, release) = await BlockWriterAsync(database);
        var transactionsBefore = database.Writer.Transactions;

        // While the writer is busy, 10 racers for the same expected version, 10 independent appends and a
        // checkpoint save queue up; the writer then takes all 21 into one transaction.
        var racers = Enumerable.Range(0, 10).Select(_ => store.AppendAsync("contended", ExpectedVersion.NoStream, [NewEvent(), NewEvent()]).AsTask()).ToArray();
        var independent = Enumerable.Range(0, 10).Select(i => store.AppendAsync($"own-{i}", ExpectedVersion.NoStream, [NewEvent()]).AsTask()).ToArray();
        var checkpoint = checkpoints.SaveAsync("view", 7).AsTask();
        database.Writer.QueuedCount.Should().Be(21);
        release.Set();
        await blocker;
        await Task.WhenAll(independent.Append(checkpoint));
        var outcomes = await Task.WhenAll(racers.Select(async r =>
        {
            try
            {
                return (object)await r;
            }
            catch (EventStoreConcurrencyException ex)
            {
                return ex;
            }
        }));

        database.Writer.Transactions.Should().Be(transactionsBefore + 2, "the blocker's transaction, then one for all 21 queued writes");
        outcomes.OfType<AppendResult>().Should().ContainSingle().Which.Should().Be(new AppendResult(2, 2));
        outcomes.OfType<EventStoreConcurrencyException>().Should().HaveCount(9)
            .And.OnlyContain(e => e.StreamId == "contended" && e.ActualVersion == 2 && e.ExpectedVersion == ExpectedVersion.NoStream);
        independent.Select(t => t.Result.Position).Should().Equal(Enumerable.Range(3, 10).Select(p => (long)p), "writes run in queue order");
        (await store.GetHeadPositionAsync()).Should().Be(12);
        (await checkpoints.LoadAsync("view")).Should().Be(7);
    }

    [Fact]
    public async Task Append_CancelledWhileQueued_IsNeverWritten()
    {
        var database = _file.Open();
        var store = new SqliteEventStore(database);
        var (blocker, release) = await BlockWriterAsync(database);
        using var cts = new CancellationTokenSource();

        var append = store.AppendAsync("s-1", ExpectedVersion.Any, [NewEvent()], cts.Token).AsTask();
        await cts.CancelAsync();
        release.Set();
        await blocker;

        await append.Awaiting(a => a).Should().ThrowAsync<OperationCanceledException>();
        (await store.GetHeadPositionAsync()).Should().Be(0);
        (await store.GetStreamInfoAsync("s-1")).Version.Should().Be(0);
    }

    [Fact]
    public async Task Append_WhileAnotherConnectionHoldsTheWriteLock_WaitsForItInsteadOfFailing()
    {
        var store = new SqliteEventStore(_file.Open());
        await store.AppendAsync("s-1", ExpectedVersion.Any, [NewEvent()]);
        using var other = _file.OpenRaw();
        TempDatabase.Scalar(other, "BEGIN IMMEDIATE");

        var append = store.AppendAsync("s-1", ExpectedVersion.Exact(1), [NewEvent()]).AsTask();
        append.IsCompleted.Should().BeFalse("the other connection holds the write lock");
        TempDatabase.Scalar(other, "COMMIT");

        (await append).Should().Be(new AppendResult(2, 2));
    }

    [Fact]
    public async Task TwoWritersOnOneFile_ConcurrentAppends_AllSucceedWithOneContiguousLog()
    {
        // Two databases on one file stand for two processes: their writers contend for the file's write lock.
        var stores = new[] { new SqliteEventStore(_file.Open()), new SqliteEventStore(_file.Open()) };

        await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 25; i++)
            {
                await stores[w % 2].AppendAsync($"shared-{i % 3}", ExpectedVersion.Any, [NewEvent(), NewEvent()]);
            }
        })));

        foreach (var store in stores)
        {
            var all = new List<EventRecord>();
            await foreach (var record in store.ReadAllAsync())
            {
                all.Add(record);
            }

            all.Select(e => e.Position).Should().Equal(Enumerable.Range(1, 400).Select(p => (long)p));
            foreach (var stream in all.GroupBy(e => e.StreamId))
            {
                stream.Select(e => e.StreamVersion).Should().Equal(Enumerable.Range(1, stream.Count()).Select(v => (long)v));
            }
        }
    }

    [Fact]
    public async Task WaitForEventsAsync_AppendOfAnotherProcess_IsSeenAtTheNextPoll()
    {
        var time = new FakeTimeProvider();
        var mine = new SqliteEventStore(_file.Open(o => o.PollInterval = TimeSpan.FromSeconds(2), timeProvider: time));
        var other = new SqliteEventStore(_file.Open());
        await mine.AppendAsync("mine", ExpectedVersion.Any, [NewEvent()]);

        var waiting = mine.WaitForEventsAsync(1).AsTask();
        await other.AppendAsync("theirs", ExpectedVersion.Any, [NewEvent()]);
        waiting.IsCompleted.Should().BeFalse("nothing in this process appended, and the poll is not due");
        time.Advance(TimeSpan.FromSeconds(2));

        await waiting.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Append_LockHeldLongerThanTheBusyTimeout_FailsWithTimeoutExceptionAndWritesNothing()
    {
        var store = new SqliteEventStore(_file.Open(o => o.BusyTimeout = TimeSpan.FromMilliseconds(200)));
        await store.AppendAsync("s-1", ExpectedVersion.Any, [NewEvent()]);
        using var other = _file.OpenRaw();
        TempDatabase.Scalar(other, "BEGIN IMMEDIATE");

        var act = () => store.AppendAsync("s-1", ExpectedVersion.Any, [NewEvent("late")]).AsTask();

        (await act.Should().ThrowAsync<TimeoutException>()).Which.Message.Should().Contain("BusyTimeout");
        TempDatabase.Scalar(other, "COMMIT");
        var retried = await store.AppendAsync("s-1", ExpectedVersion.Any, [NewEvent("late")]);
        retried.Should().Be(new AppendResult(2, 2), "the timed-out append wrote nothing and its retry succeeds");
    }

    [Fact]
    public async Task Dispose_ThenUse_ThrowsObjectDisposed()
    {
        var database = _file.Open();
        database.EnsureInitialized();
        database.Dispose();

        var act = () => database.WriteAsync(_ => 0, CancellationToken.None);

        await act.Should().ThrowAsync<ObjectDisposedException>();
    }

    private static async Task<(Task Blocker, ManualResetEventSlim Release)> BlockWriterAsync(SqliteDatabase database)
    {
        var release = new ManualResetEventSlim(false);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // A write that finds the writer idle runs on its caller's thread: the blocker gets a thread of its own.
        var blocker = Task.Run(() => database.WriteAsync(
            _ =>
            {
                started.SetResult();
                release.Wait(TimeSpan.FromSeconds(30));
                return 0;
            },
            CancellationToken.None));
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        return (blocker, release);
    }
}
