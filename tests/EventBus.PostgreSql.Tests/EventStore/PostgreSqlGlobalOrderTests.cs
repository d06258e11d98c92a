using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using EventBus.PostgreSql.EventStore;
using EventBus.PostgreSql.Tests.TestSupport;
using Npgsql;

namespace EventBus.PostgreSql.Tests.EventStore;

/// <summary>The global order under concurrent writers and transactions held open: positions are handed out in commit
/// order, so a reader that follows the head never misses an event committed late and never reads one twice.</summary>
public sealed class PostgreSqlGlobalOrderTests : IAsyncDisposable
{
    private static readonly TimeSpan SafetyTimeout = TimeSpan.FromSeconds(120);
    private readonly TestSchema _schema = new();

    public ValueTask DisposeAsync() => _schema.DisposeAsync();

    private static EventData[] NewEvents(int count) =>
        [.. Enumerable.Range(0, count).Select(_ => new EventData(Guid.NewGuid().ToString(), "test.happened", "{}"u8.ToArray()))];

    [Fact]
    public async Task HeldOpenAppend_LaterAppendWaitsAndReaderDeliversAllOnceInOrderAfterCommit()
    {
        using var cts = new CancellationTokenSource(SafetyTimeout);
        var database = _schema.Open();
        var store = new PostgreSqlEventStore(database);
        await store.AppendAsync("before", ExpectedVersion.NoStream, NewEvents(1), cts.Token);
        var seen = new ConcurrentQueue<EventRecord>();
        var reader = Task.Run(async () =>
        {
            await foreach (var record in store.SubscribeToAllAsync(0, cancellationToken: cts.Token))
            {
                seen.Enqueue(record);
                if (record.Position == 4)
                {
                    return;
                }
            }
        });

        // A slow app instance: its append drew positions 2 and 3 and has not committed yet.
        var slow = await _schema.OpenRawAsync();
        var transaction = await slow.BeginTransactionAsync(cts.Token);
        var held = await RawAppend.AppendAsync(slow, transaction, _schema.Name, "held", ["held-1", "held-2"], cts.Token);
        var later = store.AppendAsync("later", ExpectedVersion.NoStream, NewEvents(1), cts.Token).AsTask();
        (await RawAppend.WaitUntilAnAppendQueuesAsync(database.DataSource, _schema.Name, () => later.IsCompleted, cts.Token))
            .Should().BeTrue("the later append waits for the open one instead of drawing a position past it");

        held.Should().Be(3);
        later.IsCompleted.Should().BeFalse();
        (await store.GetHeadPositionAsync(cts.Token)).Should().Be(1, "nothing above the head may be missing later");
        seen.Should().NotContain(e => e.Position > 1, "the reader may not have caught up to 1 yet, but nothing above the head may reach it");

        await transaction.CommitAsync(cts.Token);
        var appended = await later;
        await reader;

        appended.Position.Should().Be(4);
        seen.Select(e => e.Position).Should().Equal(1, 2, 3, 4);
        seen.Select(e => e.StreamId).Should().Equal("before", "held", "held", "later");
    }

    [Fact]
    public async Task AppendAsync_WhileAnotherAppendHoldsTheOrder_ConflictsDeletesAndRetriesAnswerWithoutWaiting()
    {
        using var cts = new CancellationTokenSource(SafetyTimeout);
        var store = new PostgreSqlEventStore(_schema.Open());
        var batch = NewEvents(2);
        await store.AppendAsync("s-1", ExpectedVersion.NoStream, batch, cts.Token);
        await store.AppendAsync("doomed", ExpectedVersion.NoStream, NewEvents(1), cts.Token);
        await store.DeleteStreamAsync("doomed", ExpectedVersion.Any, cts.Token);

        var slow = await _schema.OpenRawAsync();
        await using var transaction = await slow.BeginTransactionAsync(cts.Token);
        await RawAppend.AppendAsync(slow, transaction, _schema.Name, "held", ["held-1"], cts.Token);

        // Each of these would hang (and hit the safety timeout) if it waited for the open append: the expected
        // version, the tombstone and the idempotency check all come before the global order is taken.
        var conflict = () => store.AppendAsync("s-1", ExpectedVersion.Exact(7), NewEvents(1), cts.Token).AsTask();
        var deleted = () => store.AppendAsync("doomed", ExpectedVersion.Any, NewEvents(1), cts.Token).AsTask();
        (await conflict.Should().ThrowAsync<EventStoreConcurrencyException>()).Which.ActualVersion.Should().Be(2);
        await deleted.Should().ThrowAsync<StreamDeletedException>();
        (await store.AppendAsync("s-1", ExpectedVersion.NoStream, batch, cts.Token)).Should().Be(new AppendResult(2, 2));

        await transaction.RollbackAsync(cts.Token);
        (await store.AppendAsync("s-1", ExpectedVersion.Exact(2), NewEvents(1), cts.Token)).Should().Be(new AppendResult(3, 4),
            "a rolled-back append leaves no position behind");
    }

    [Fact]
    public async Task WaitForEventsAsync_AppendOfAnotherAppInstance_IsFoundByPolling()
    {
        using var cts = new CancellationTokenSource(SafetyTimeout);
        var store = new PostgreSqlEventStore(_schema.Open(o => o.PollInterval = TimeSpan.FromMilliseconds(20)));
        var otherInstance = new PostgreSqlEventStore(_schema.Open());

        var waiting = store.WaitForEventsAsync(0, cts.Token).AsTask();
        waiting.IsCompleted.Should().BeFalse();
        await otherInstance.AppendAsync("s-1", ExpectedVersion.NoStream, NewEvents(1), cts.Token);

        await waiting.WaitAsync(cts.Token);
        (await store.GetHeadPositionAsync(cts.Token)).Should().Be(1);
    }

    [Fact]
    public async Task TailingReader_EightWritersWithTransactionsHeldOpen_MissesNothingAndReadsNothingTwice()
    {
        const int writers = 8;
        const int appendsPerWriter = 250;
        const int heldEvery = 10;
        using var cts = new CancellationTokenSource(SafetyTimeout);
        var database = _schema.Open();
        var store = new PostgreSqlEventStore(database);
        var appended = new ConcurrentDictionary<string, byte>(StringComparer.Ordinal);
        var total = 0;
        for (var i = 0; i < appendsPerWriter; i++)
        {
            total += Size(i);
        }

        total *= writers;
        var finished = 0;
        var held = 0;
        var queuedBehindHeld = 0;

        var read = new List<EventRecord>(total);
        var reader = Task.Run(async () =>
        {
            await foreach (var record in store.SubscribeToAllAsync(0, cancellationToken: cts.Token))
            {
                read.Add(record);
                if (read.Count == total)
                {
                    return;
                }
            }
        });

        var writing = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            try
            {
                for (var i = 0; i < appendsPerWriter; i++)
                {
                    var stream = $"writer-{w}-{i % 3}";
                    if (i % heldEvery == heldEvery - 1)
                    {
                        // A slow transaction: it holds its append open until another writer is queued behind it
                        // (or no other writer is left), then commits.
                        var ids = Enumerable.Range(0, Size(i)).Select(n => $"w{w}-a{i}-e{n}").ToArray();
                        await using var connection = await database.DataSource.OpenConnectionAsync(cts.Token);
                        await using var transaction = await connection.BeginTransactionAsync(cts.Token);
                        await RawAppend.AppendAsync(connection, transaction, _schema.Name, stream, ids, cts.Token);
                        if (await RawAppend.WaitUntilAnAppendQueuesAsync(database.DataSource, _schema.Name, () => Volatile.Read(ref finished) >= writers - 1, cts.Token))
                        {
                            Interlocked.Increment(ref queuedBehindHeld);
                        }

                        await transaction.CommitAsync(cts.Token);
                        Interlocked.Increment(ref held);
                        foreach (var id in ids)
                        {
                            appended.TryAdd(id, 0);
                        }
                    }
                    else
                    {
                        var events = Enumerable.Range(0, Size(i))
                            .Select(n => new EventData($"w{w}-a{i}-e{n}", "test.happened", Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{{\"w\":{w},\"i\":{i},\"n\":{n}}}"))))
                            .ToArray();
                        await store.AppendAsync(stream, ExpectedVersion.Any, events, cts.Token);
                        foreach (var e in events)
                        {
                            appended.TryAdd(e.EventId, 0);
                        }
                    }
                }
            }
            finally
            {
                Interlocked.Increment(ref finished);
            }
        })).ToArray();

        await Task.WhenAll(writing);
        await reader;

        var readIds = read.Select(e => e.EventId).ToHashSet(StringComparer.Ordinal);
        var missed = appended.Keys.Count(id => !readIds.Contains(id));
        var duplicated = read.Count - readIds.Count;
        var ledger = $"ledger: pg-tail: {appended.Count} appended, {read.Count} read, {missed} missed, {duplicated} duplicated";
        TestContext.Current.TestOutputHelper?.WriteLine($"{ledger} ({held} transactions held open, {queuedBehindHeld} with a writer queued behind them)");
        Console.WriteLine(ledger);

        appended.Should().HaveCount(total);
        total.Should().BeGreaterThanOrEqualTo(50_000);
        held.Should().Be(writers * (appendsPerWriter / heldEvery));
        queuedBehindHeld.Should().BePositive("some held transactions had later appends waiting behind them");
        read.Select(e => e.Position).Should().Equal(Enumerable.Range(1, total).Select(p => (long)p), "the reader sees every position once, in order");
        missed.Should().Be(0);
        duplicated.Should().Be(0);
        readIds.SetEquals(appended.Keys).Should().BeTrue("the reader read exactly the appended events");
        foreach (var stream in read.GroupBy(e => e.StreamId))
        {
            stream.Select(e => e.StreamVersion).Should().Equal(Enumerable.Range(1, stream.Count()).Select(v => (long)v));
        }
    }

    // Alternating single events and large batches: 25 events per append on average.
    private static int Size(int append) => append % 2 == 0 ? 1 : 49;
}
