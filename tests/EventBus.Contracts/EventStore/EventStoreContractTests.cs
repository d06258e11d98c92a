using System.Collections.Concurrent;
using System.Text;

namespace EventBus.Contracts.EventStore;

/// <summary>The behaviour every <see cref="IEventStore"/> must have. A backend's test project derives from this
/// class and supplies a fresh, empty store per test.</summary>
public abstract class EventStoreContractTests
{
    private static readonly TimeSpan SafetyTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Creates a new, empty store.</summary>
    protected abstract IEventStore CreateStore();

    protected static EventData NewEvent(string type = "test.happened", string? id = null, string data = "{}", string metadata = "{}") =>
        new(id ?? Guid.NewGuid().ToString(), type, Encoding.UTF8.GetBytes(data), Encoding.UTF8.GetBytes(metadata));

    protected static EventData[] NewEvents(int count, string type = "test.happened") =>
        Enumerable.Range(0, count).Select(i => NewEvent(type, data: $"{{\"n\":{i}}}")).ToArray();

    protected static async Task<List<EventRecord>> ToListAsync(IAsyncEnumerable<EventRecord> source)
    {
        var list = new List<EventRecord>();
        await foreach (var record in source)
        {
            list.Add(record);
        }

        return list;
    }

    [Fact]
    public async Task AppendAsync_NoStream_CreatesStreamWithContiguousVersions()
    {
        var store = CreateStore();

        var result = await store.AppendAsync("order-1", ExpectedVersion.NoStream, NewEvents(3));

        result.StreamVersion.Should().Be(3);
        var events = await ToListAsync(store.ReadStreamAsync("order-1"));
        events.Select(e => e.StreamVersion).Should().Equal(1, 2, 3);
        events[^1].Position.Should().Be(result.Position);
        (await store.GetStreamInfoAsync("order-1")).Should().Be(new StreamInfo("order-1", 3, 1, false));
    }

    [Fact]
    public async Task AppendAsync_DataAndMetadata_AreReadBackVerbatim()
    {
        var store = CreateStore();
        var data = NewEvent("order.placed", "evt-1", "{\"id\":\"A-1\",\"total\":42.5}", "{\"subject\":\"A-1\"}");

        await store.AppendAsync("order-1", ExpectedVersion.Any, [data]);

        var record = (await ToListAsync(store.ReadStreamAsync("order-1"))).Single();
        record.EventId.Should().Be("evt-1");
        record.EventType.Should().Be("order.placed");
        record.DataVersion.Should().Be("1.0");
        Encoding.UTF8.GetString(record.Data.Span).Should().Be("{\"id\":\"A-1\",\"total\":42.5}");
        Encoding.UTF8.GetString(record.Metadata.Span).Should().Be("{\"subject\":\"A-1\"}");
        record.StreamId.Should().Be("order-1");
    }

    [Fact]
    public async Task AppendAsync_ExpectedVersionMismatch_ThrowsTypedExceptionAndWritesNothing()
    {
        var store = CreateStore();
        await store.AppendAsync("s-1", ExpectedVersion.NoStream, NewEvents(2));

        var noStream = () => store.AppendAsync("s-1", ExpectedVersion.NoStream, NewEvents(1)).AsTask();
        var exact = () => store.AppendAsync("s-1", ExpectedVersion.Exact(1), NewEvents(3)).AsTask();
        var exists = () => store.AppendAsync("s-2", ExpectedVersion.StreamExists, NewEvents(1)).AsTask();

        var e1 = (await noStream.Should().ThrowAsync<EventStoreConcurrencyException>()).Which;
        e1.StreamId.Should().Be("s-1");
        e1.ExpectedVersion.Should().Be(ExpectedVersion.NoStream);
        e1.ActualVersion.Should().Be(2);
        e1.Message.Should().Contain("'s-1'").And.Contain("version 2");
        var e2 = (await exact.Should().ThrowAsync<EventStoreConcurrencyException>()).Which;
        e2.ExpectedVersion.Should().Be(ExpectedVersion.Exact(1));
        e2.ActualVersion.Should().Be(2);
        var e3 = (await exists.Should().ThrowAsync<EventStoreConcurrencyException>()).Which;
        e3.StreamId.Should().Be("s-2");
        e3.ActualVersion.Should().Be(0);

        (await store.GetHeadPositionAsync()).Should().Be(2);
        (await ToListAsync(store.ReadAllAsync())).Should().HaveCount(2);
    }

    [Fact]
    public async Task AppendAsync_MatchingExpectations_Succeed()
    {
        var store = CreateStore();

        await store.AppendAsync("s-1", ExpectedVersion.Exact(0), NewEvents(1));
        await store.AppendAsync("s-1", ExpectedVersion.StreamExists, NewEvents(1));
        await store.AppendAsync("s-1", ExpectedVersion.Exact(2), NewEvents(1));
        var result = await store.AppendAsync("s-1", ExpectedVersion.Any, NewEvents(1));

        result.StreamVersion.Should().Be(4);
    }

    [Fact]
    public async Task AppendAsync_ConcurrentWritersWithSameExpectedVersion_ExactlyOneWinsAndVersionsStayContiguous()
    {
        var store = CreateStore();
        await store.AppendAsync("contended", ExpectedVersion.NoStream, NewEvents(2));
        const int writers = 16;
        using var start = new ManualResetEventSlim(false);

        var attempts = Enumerable.Range(0, writers).Select(i => Task.Run(async () =>
        {
            start.Wait();
            try
            {
                await store.AppendAsync("contended", ExpectedVersion.Exact(2), NewEvents(3));
                return (Exception?)null;
            }
            catch (EventStoreConcurrencyException ex)
            {
                return ex;
            }
        })).ToArray();
        start.Set();
        var outcomes = await Task.WhenAll(attempts);

        outcomes.Count(o => o is null).Should().Be(1);
        outcomes.OfType<EventStoreConcurrencyException>().Should().HaveCount(writers - 1)
            .And.OnlyContain(e => e.StreamId == "contended" && e.ExpectedVersion == ExpectedVersion.Exact(2) && e.ActualVersion == 5);
        var versions = (await ToListAsync(store.ReadStreamAsync("contended"))).Select(e => e.StreamVersion);
        versions.Should().Equal(1, 2, 3, 4, 5);
    }

    [Fact]
    public async Task AppendAsync_RetryWithSameEventIds_ReturnsOriginalResultAndWritesNoDuplicates()
    {
        var store = CreateStore();
        var batch = NewEvents(3);
        var first = await store.AppendAsync("s-1", ExpectedVersion.NoStream, batch);
        await store.AppendAsync("other", ExpectedVersion.NoStream, NewEvents(1));

        var retry = await store.AppendAsync("s-1", ExpectedVersion.NoStream, batch);
        var retryAny = await store.AppendAsync("s-1", ExpectedVersion.Any, batch);

        retry.Should().Be(first);
        retryAny.Should().Be(first);
        (await ToListAsync(store.ReadStreamAsync("s-1"))).Should().HaveCount(3);
        (await store.GetHeadPositionAsync()).Should().Be(4);
    }

    [Fact]
    public async Task AppendAsync_ConcurrentIdenticalRetries_AllGetTheOriginalResultAndOneWrite()
    {
        var store = CreateStore();
        var batch = NewEvents(3);
        using var start = new ManualResetEventSlim(false);

        var retries = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            start.Wait();
            return await store.AppendAsync("s-1", ExpectedVersion.NoStream, batch);
        })).ToArray();
        start.Set();
        var results = await Task.WhenAll(retries);

        results.Distinct().Should().ContainSingle().Which.Should().Be(new AppendResult(3, 3));
        (await ToListAsync(store.ReadAllAsync())).Select(e => e.EventId).Should().Equal(batch.Select(e => e.EventId));
    }

    [Fact]
    public async Task AppendAsync_EventIdStoredInAnotherStreamOrBatch_IsRejected()
    {
        var store = CreateStore();
        var batch = NewEvents(2);
        await store.AppendAsync("s-1", ExpectedVersion.Any, batch);

        var otherStream = () => store.AppendAsync("s-2", ExpectedVersion.Any, [batch[0]]).AsTask();
        var mixedBatch = () => store.AppendAsync("s-1", ExpectedVersion.Any, [NewEvent(), batch[1]]).AsTask();

        (await otherStream.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain(batch[0].EventId);
        (await mixedBatch.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain(batch[1].EventId);
        (await store.GetHeadPositionAsync()).Should().Be(2);
    }

    [Fact]
    public async Task AppendAsync_InvalidBatch_IsRejectedAtomically()
    {
        var store = CreateStore();
        var duplicate = NewEvent();

        var empty = () => store.AppendAsync("s-1", ExpectedVersion.Any, []).AsTask();
        var repeated = () => store.AppendAsync("s-1", ExpectedVersion.Any, [NewEvent(), duplicate, duplicate]).AsTask();

        await empty.Should().ThrowAsync<ArgumentException>();
        (await repeated.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain(duplicate.EventId);
        (await store.GetHeadPositionAsync()).Should().Be(0);
        (await store.GetStreamInfoAsync("s-1")).Exists.Should().BeFalse();
    }

    [Fact]
    public async Task ReadAllAsync_ConcurrentAppends_GlobalOrderEqualsCommitOrderAndBatchesStayTogether()
    {
        var store = CreateStore();
        const int writers = 8;
        const int appendsPerWriter = 25;
        var results = new ConcurrentBag<(string Stream, AppendResult Result, int Size)>();

        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < appendsPerWriter; i++)
            {
                var size = 1 + (i % 3);
                var stream = $"writer-{w}-{i % 2}";
                var result = await store.AppendAsync(stream, ExpectedVersion.Any, NewEvents(size));
                results.Add((stream, result, size));
            }
        })));

        var all = await ToListAsync(store.ReadAllAsync());
        var total = results.Sum(r => r.Size);
        all.Select(e => e.Position).Should().Equal(Enumerable.Range(1, total).Select(p => (long)p));
        foreach (var (stream, result, size) in results)
        {
            // A batch occupies consecutive positions ending at the position its append returned.
            var batch = all.Skip((int)result.Position - size).Take(size).ToList();
            batch.Should().OnlyContain(e => e.StreamId == stream);
            batch.Select(e => e.StreamVersion).Should().Equal(Enumerable.Range((int)result.StreamVersion - size + 1, size).Select(v => (long)v));
        }

        foreach (var stream in all.GroupBy(e => e.StreamId))
        {
            stream.Select(e => e.StreamVersion).Should().Equal(Enumerable.Range(1, stream.Count()).Select(v => (long)v));
        }
    }

    [Fact]
    public async Task ReadAllAsync_DuringConcurrentAppends_EverythingUpToTheHeadIsVisible()
    {
        var store = CreateStore();
        var writing = Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 50; i++)
            {
                await store.AppendAsync($"w-{w}", ExpectedVersion.Any, NewEvents(1 + (i % 2)));
            }
        })));

        do
        {
            // A reader must never see a later event while an earlier one is still invisible.
            var head = await store.GetHeadPositionAsync();
            var visible = await ToListAsync(store.ReadAllAsync(maxCount: head));
            visible.Select(e => e.Position).Should().Equal(Enumerable.Range(1, (int)head).Select(p => (long)p));
        }
        while (!writing.IsCompleted);

        await writing;
        (await store.GetHeadPositionAsync()).Should().Be(300);
    }

    [Fact]
    public async Task ReadAllAsync_FromPositionAndMaxCount_ReturnsThatWindow()
    {
        var store = CreateStore();
        await store.AppendAsync("a", ExpectedVersion.Any, NewEvents(600));

        var window = await ToListAsync(store.ReadAllAsync(fromPosition: 250, maxCount: 300));

        window.Select(e => e.Position).Should().Equal(Enumerable.Range(250, 300).Select(p => (long)p));
    }

    [Fact]
    public async Task ReadStreamAsync_ForwardsAndBackwardsFromVersion_ReturnTheRightEvents()
    {
        var store = CreateStore();
        await store.AppendAsync("s-1", ExpectedVersion.Any, NewEvents(600));
        await store.AppendAsync("s-2", ExpectedVersion.Any, NewEvents(5));

        var forwards = await ToListAsync(store.ReadStreamAsync("s-1", ReadDirection.Forwards, fromVersion: 590));
        var backwards = await ToListAsync(store.ReadStreamAsync("s-1", ReadDirection.Backwards, fromVersion: 10, maxCount: 4));
        var lastOne = await ToListAsync(store.ReadStreamAsync("s-1", ReadDirection.Backwards, maxCount: 1));
        var full = await ToListAsync(store.ReadStreamAsync("s-1"));

        forwards.Select(e => e.StreamVersion).Should().Equal(590, 591, 592, 593, 594, 595, 596, 597, 598, 599, 600);
        backwards.Select(e => e.StreamVersion).Should().Equal(10, 9, 8, 7);
        lastOne.Single().StreamVersion.Should().Be(600);
        full.Select(e => e.StreamVersion).Should().Equal(Enumerable.Range(1, 600).Select(v => (long)v));
        full.Should().OnlyContain(e => e.StreamId == "s-1");
    }

    [Fact]
    public async Task Reads_NegativeArguments_AreRejected()
    {
        var store = CreateStore();

        var fromVersion = () => ToListAsync(store.ReadStreamAsync("s-1", fromVersion: -1));
        var maxCount = () => ToListAsync(store.ReadStreamAsync("s-1", maxCount: -1));
        var fromPosition = () => ToListAsync(store.ReadAllAsync(fromPosition: -1));

        await fromVersion.Should().ThrowAsync<ArgumentOutOfRangeException>();
        await maxCount.Should().ThrowAsync<ArgumentOutOfRangeException>();
        await fromPosition.Should().ThrowAsync<ArgumentOutOfRangeException>();
    }

    [Fact]
    public async Task ReadStreamAsync_MissingStream_ReturnsNothing()
    {
        var store = CreateStore();

        (await ToListAsync(store.ReadStreamAsync("missing"))).Should().BeEmpty();
        (await store.GetStreamInfoAsync("missing")).Should().Be(new StreamInfo("missing", 0, 1, false));
    }

    [Theory]
    [InlineData("order-'1'")]
    [InlineData("order-\"1\"")]
    [InlineData("x'; DROP TABLE events;--")]
    [InlineData("; --")]
    [InlineData("commande-été-😀-注文")]
    [InlineData("tab\tand\nnewline and spaces ")]
    [InlineData("back\\slash/percent%_underscore")]
    [InlineData("Order-1")]
    public async Task AppendAsync_OddStreamIds_AreStoredAndReadBackVerbatim(string streamId)
    {
        var store = CreateStore();
        await store.AppendAsync(streamId.ToLowerInvariant() == streamId ? streamId + "-other" : streamId.ToLowerInvariant(), ExpectedVersion.Any, NewEvents(1));

        await store.AppendAsync(streamId, ExpectedVersion.NoStream, NewEvents(2));

        var events = await ToListAsync(store.ReadStreamAsync(streamId));
        events.Should().HaveCount(2).And.OnlyContain(e => e.StreamId == streamId);
        (await ToListAsync(store.ReadAllAsync())).Where(e => e.StreamId == streamId).Should().HaveCount(2);
        (await store.GetStreamInfoAsync(streamId)).Version.Should().Be(2);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("with\0nul")]
    [InlineData("$all")]
    [InlineData("$system")]
    public async Task AppendAsync_InvalidStreamId_IsRejectedWithAClearError(string streamId)
    {
        var store = CreateStore();

        var act = () => store.AppendAsync(streamId, ExpectedVersion.Any, NewEvents(1)).AsTask();

        (await act.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("Stream id");
        (await store.GetHeadPositionAsync()).Should().Be(0);
    }

    [Fact]
    public async Task AppendAsync_OverlongStreamId_IsRejected_AndMaxLengthIsAccepted()
    {
        var store = CreateStore();
        var longest = new string('x', StreamId.MaxLength);

        var tooLong = () => store.AppendAsync(longest + "x", ExpectedVersion.Any, NewEvents(1)).AsTask();
        await store.AppendAsync(longest, ExpectedVersion.Any, NewEvents(1));

        (await tooLong.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("maximum is 255");
        (await ToListAsync(store.ReadStreamAsync(longest))).Should().ContainSingle();
        var nullId = () => store.AppendAsync(null!, ExpectedVersion.Any, NewEvents(1)).AsTask();
        await nullId.Should().ThrowAsync<ArgumentNullException>();
    }

    [Fact]
    public async Task DeleteStreamAsync_Tombstones_ReadsEmptyAppendsThrowGlobalLogKeepsHistory()
    {
        var store = CreateStore();
        await store.AppendAsync("doomed", ExpectedVersion.NoStream, NewEvents(3));
        await store.AppendAsync("kept", ExpectedVersion.NoStream, NewEvents(1));

        var wrongVersion = () => store.DeleteStreamAsync("doomed", ExpectedVersion.Exact(2)).AsTask();
        await wrongVersion.Should().ThrowAsync<EventStoreConcurrencyException>();
        await store.DeleteStreamAsync("doomed", ExpectedVersion.Exact(3));
        await store.DeleteStreamAsync("doomed", ExpectedVersion.Any);

        (await ToListAsync(store.ReadStreamAsync("doomed"))).Should().BeEmpty();
        (await ToListAsync(store.ReadStreamAsync("doomed", ReadDirection.Backwards))).Should().BeEmpty();
        var info = await store.GetStreamInfoAsync("doomed");
        info.IsDeleted.Should().BeTrue();
        info.Exists.Should().BeFalse();
        info.Version.Should().Be(3);
        var append = () => store.AppendAsync("doomed", ExpectedVersion.Any, NewEvents(1)).AsTask();
        (await append.Should().ThrowAsync<StreamDeletedException>()).Which.StreamId.Should().Be("doomed");
        (await ToListAsync(store.ReadAllAsync())).Should().HaveCount(4);
        (await ToListAsync(store.ReadStreamAsync("kept"))).Should().ContainSingle();
    }

    [Fact]
    public async Task TruncateStreamAsync_PrunesOlderEvents_FromStreamAndGlobalReads()
    {
        var store = CreateStore();
        await store.AppendAsync("s-1", ExpectedVersion.NoStream, NewEvents(5));
        await store.AppendAsync("s-2", ExpectedVersion.NoStream, NewEvents(2));

        await store.TruncateStreamAsync("s-1", 4);
        await store.TruncateStreamAsync("s-1", 2);
        var next = await store.AppendAsync("s-1", ExpectedVersion.Exact(5), NewEvents(1));

        next.StreamVersion.Should().Be(6);
        (await ToListAsync(store.ReadStreamAsync("s-1"))).Select(e => e.StreamVersion).Should().Equal(4, 5, 6);
        (await ToListAsync(store.ReadStreamAsync("s-1", ReadDirection.Backwards))).Select(e => e.StreamVersion).Should().Equal(6, 5, 4);
        (await ToListAsync(store.ReadStreamAsync("s-1", fromVersion: 2, maxCount: 1))).Single().StreamVersion.Should().Be(4);
        (await ToListAsync(store.ReadAllAsync())).Select(e => e.Position).Should().Equal(4, 5, 6, 7, 8);
        (await store.GetStreamInfoAsync("s-1")).Should().Be(new StreamInfo("s-1", 6, 4, false));
        (await store.GetHeadPositionAsync()).Should().Be(8);
    }

    [Fact]
    public async Task TruncateStreamAsync_BeyondNextVersion_IsRejected()
    {
        var store = CreateStore();
        await store.AppendAsync("s-1", ExpectedVersion.NoStream, NewEvents(2));

        var beyond = () => store.TruncateStreamAsync("s-1", 4).AsTask();
        var zero = () => store.TruncateStreamAsync("s-1", 0).AsTask();
        await store.TruncateStreamAsync("s-1", 3);

        await beyond.Should().ThrowAsync<ArgumentOutOfRangeException>();
        await zero.Should().ThrowAsync<ArgumentOutOfRangeException>();
        (await ToListAsync(store.ReadStreamAsync("s-1"))).Should().BeEmpty();
    }

    [Fact]
    public async Task WaitForEventsAsync_CompletesOnlyAfterAnAppend()
    {
        var store = CreateStore();
        await store.AppendAsync("s-1", ExpectedVersion.Any, NewEvents(1));

        var alreadyThere = store.WaitForEventsAsync(0);
        var waiting = store.WaitForEventsAsync(1).AsTask();

        alreadyThere.IsCompleted.Should().BeTrue();
        waiting.IsCompleted.Should().BeFalse();
        await store.AppendAsync("s-2", ExpectedVersion.Any, NewEvents(1));
        await waiting.WaitAsync(SafetyTimeout);
    }

    [Fact]
    public async Task WaitForEventsAsync_Cancelled_Throws()
    {
        var store = CreateStore();
        using var cts = new CancellationTokenSource();

        var waiting = store.WaitForEventsAsync(0, cts.Token).AsTask();
        await cts.CancelAsync();

        await waiting.Awaiting(w => w).Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public async Task SubscribeToAllAsync_FromCheckpointUnderConcurrentAppends_SwitchesToLiveWithNoGapAndNoDuplicate()
    {
        var store = CreateStore();
        for (var i = 0; i < 50; i++)
        {
            await store.AppendAsync($"history-{i % 5}", ExpectedVersion.Any, NewEvents(2));
        }

        const long checkpoint = 37;
        const int liveWriters = 4;
        const int liveAppends = 40;
        var expectedTotal = 100 + (liveWriters * liveAppends);
        using var cts = new CancellationTokenSource(SafetyTimeout);
        var seen = new List<long>();

        var writers = Task.WhenAll(Enumerable.Range(0, liveWriters).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < liveAppends; i++)
            {
                await store.AppendAsync($"live-{w}", ExpectedVersion.Any, NewEvents(1));
            }
        })));
        await foreach (var record in store.SubscribeToAllAsync(checkpoint, cancellationToken: cts.Token))
        {
            seen.Add(record.Position);
            if (record.Position == expectedTotal)
            {
                break;
            }
        }

        await writers;
        seen.Should().Equal(Enumerable.Range((int)checkpoint + 1, expectedTotal - (int)checkpoint).Select(p => (long)p));
    }

    [Fact]
    public async Task SubscribeToAllAsync_WithTypeFilter_DeliversOnlyMatchingTypesThenLiveOnes()
    {
        var store = CreateStore();
        await store.AppendAsync("o-1", ExpectedVersion.Any, [NewEvent("order.placed"), NewEvent("payment.received"), NewEvent("order.shipped")]);
        using var cts = new CancellationTokenSource(SafetyTimeout);
        var seen = new List<string>();

        await using var subscription = store.SubscribeToAllAsync(0, TopicPattern.Parse("order.*"), cts.Token).GetAsyncEnumerator();
        for (var i = 0; i < 2; i++)
        {
            (await subscription.MoveNextAsync()).Should().BeTrue();
            seen.Add(subscription.Current.EventType);
        }

        var next = subscription.MoveNextAsync().AsTask();
        next.IsCompleted.Should().BeFalse();
        await store.AppendAsync("o-2", ExpectedVersion.Any, [NewEvent("payment.received"), NewEvent("order.cancelled")]);
        (await next.WaitAsync(SafetyTimeout)).Should().BeTrue();
        seen.Add(subscription.Current.EventType);

        seen.Should().Equal("order.placed", "order.shipped", "order.cancelled");
        subscription.Current.Position.Should().Be(5);
    }

    [Fact]
    public async Task SubscribeToAllAsync_OverTruncatedTail_DoesNotSpinAndDeliversLaterEvents()
    {
        var store = CreateStore();
        await store.AppendAsync("s-1", ExpectedVersion.Any, NewEvents(3));
        await store.TruncateStreamAsync("s-1", 4);
        using var cts = new CancellationTokenSource(SafetyTimeout);

        await using var subscription = store.SubscribeToAllAsync(0, cancellationToken: cts.Token).GetAsyncEnumerator();
        var next = subscription.MoveNextAsync().AsTask();
        await store.AppendAsync("s-2", ExpectedVersion.Any, NewEvents(1));

        (await next.WaitAsync(SafetyTimeout)).Should().BeTrue();
        subscription.Current.Position.Should().Be(4);
    }
}
