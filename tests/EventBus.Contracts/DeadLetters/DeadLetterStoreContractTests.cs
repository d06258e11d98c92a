namespace EventBus.Contracts.DeadLetters;

/// <summary>What every <see cref="IDeadLetterStore"/> must do. A backend's test project derives from this class and
/// returns a fresh, empty store from <see cref="CreateStore"/>.</summary>
public abstract class DeadLetterStoreContractTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected abstract IDeadLetterStore CreateStore();

    /// <summary>Damages the stored entry <paramref name="id"/> of the last store created, outside the store's API, so
    /// that it can no longer be read back.</summary>
    /// <returns><see langword="false"/> when the store keeps nothing it could fail to read (an in-memory store keeps
    /// the entries themselves); the test is then skipped.</returns>
    protected virtual ValueTask<bool> DamageAsync(string id, DeadLetterDamage damage) => ValueTask.FromResult(false);

    protected static DeadLetter Entry(
        string subscription = "billing",
        string type = "order.placed",
        DeadLetterReason reason = DeadLetterReason.HandlerFailed,
        string? exceptionType = "System.InvalidOperationException",
        string? correlationId = "flow-1",
        TimeSpan? at = null,
        string? id = null) => new()
        {
            Id = id ?? Guid.NewGuid().ToString(),
            Event = new Event(type, "payload") { CorrelationId = correlationId, Subject = "order-1", Time = T0 },
            SubscriptionName = subscription,
            Reason = reason,
            ExceptionType = exceptionType,
            ExceptionMessage = exceptionType is null ? null : "failed",
            StackTrace = exceptionType is null ? null : "   at Handler.HandleAsync()",
            AttemptCount = 3,
            FirstFailureTime = T0 + (at ?? TimeSpan.Zero),
            LastFailureTime = T0 + (at ?? TimeSpan.Zero) + TimeSpan.FromSeconds(1),
        };

    protected async Task<List<DeadLetter>> QueryAsync(IDeadLetterStore store, DeadLetterQuery query)
    {
        var list = new List<DeadLetter>();
        await foreach (var entry in store.QueryAsync(query, Ct))
        {
            list.Add(entry);
        }

        return list;
    }

    [Fact]
    public async Task AddAsync_ThenQuery_ReturnsEveryField()
    {
        var store = CreateStore();
        var entry = Entry() with
        {
            RedriveCount = 1,
            PreviousFailures = [new DeadLetterFailure(T0, DeadLetterReason.Overflow, null, null, 0)],
        };

        await store.AddAsync(entry, Ct);

        var read = (await QueryAsync(store, DeadLetterQuery.All)).Should().ContainSingle().Subject;
        read.Id.Should().Be(entry.Id);
        read.SubscriptionName.Should().Be("billing");
        read.Reason.Should().Be(DeadLetterReason.HandlerFailed);
        read.ExceptionType.Should().Be("System.InvalidOperationException");
        read.ExceptionMessage.Should().Be("failed");
        read.StackTrace.Should().Be("   at Handler.HandleAsync()");
        read.AttemptCount.Should().Be(3);
        read.FirstFailureTime.Should().Be(entry.FirstFailureTime);
        read.LastFailureTime.Should().Be(entry.LastFailureTime);
        read.RedriveCount.Should().Be(1);
        read.PreviousFailures.Should().Equal(entry.PreviousFailures);
        read.Event.Id.Should().Be(entry.Event.Id);
        read.Event.Type.Should().Be("order.placed");
        read.Event.CorrelationId.Should().Be("flow-1");
        read.Event.Subject.Should().Be("order-1");
    }

    [Theory]
    [InlineData(DeadLetterDamage.InvalidEventType, "'Order.Placed'")]
    [InlineData(DeadLetterDamage.UnreadableJson, "cannot be read")]
    public async Task QueryAsync_EntryThatCannotBeRead_ComesBackWithRawEntryAndErrorInsteadOfFailingTheQuery(DeadLetterDamage damage, string named)
    {
        var store = CreateStore();
        await store.AddAsync(Entry(id: "before"), Ct);
        await store.AddAsync(Entry(id: "bad", at: TimeSpan.FromSeconds(1)), Ct);
        await store.AddAsync(Entry(id: "after", at: TimeSpan.FromSeconds(2)), Ct);
        if (!await DamageAsync("bad", damage))
        {
            Assert.Skip("This store keeps the entries themselves: none can become unreadable.");
        }

        var all = await QueryAsync(store, DeadLetterQuery.All);

        all.Select(e => e.Id).Should().Equal("before", "bad", "after");
        all.Where(e => e.Id != "bad").Should().OnlyContain(e => e.ReadError == null && e.RawEntry == null && e.Event.Type == "order.placed");
        var bad = all[1];
        bad.ReadError.Should().Contain("'bad'").And.Contain(named);
        bad.RawEntry.Should().NotBeNullOrEmpty();
        bad.Event.Type.Should().Be(DeadLetter.UnreadableEventType);
        bad.SubscriptionName.Should().Be("billing");
        bad.FirstFailureTime.Should().Be(T0 + TimeSpan.FromSeconds(1));
        (await QueryAsync(store, new DeadLetterQuery { SubscriptionName = "billing", Limit = 2 })).Select(e => e.Id).Should().Equal("before", "bad");
        (await store.CountAsync(DeadLetterQuery.All, Ct)).Should().Be(3);
        (await store.DeleteAsync("bad", Ct)).Should().BeTrue("an operator can remove what cannot be read");
        (await QueryAsync(store, DeadLetterQuery.All)).Should().OnlyContain(e => e.ReadError == null);
    }

    [Fact]
    public async Task QueryAsync_EmptyStore_ReturnsNothing()
    {
        var store = CreateStore();

        (await QueryAsync(store, DeadLetterQuery.All)).Should().BeEmpty();
        (await store.CountAsync(DeadLetterQuery.All, Ct)).Should().Be(0);
    }

    [Fact]
    public async Task QueryAsync_OrdersByFirstFailureThenInsertion()
    {
        var store = CreateStore();
        await store.AddAsync(Entry(id: "late", at: TimeSpan.FromMinutes(2)), Ct);
        await store.AddAsync(Entry(id: "early-1", at: TimeSpan.FromMinutes(1)), Ct);
        await store.AddAsync(Entry(id: "early-2", at: TimeSpan.FromMinutes(1)), Ct);
        await store.AddAsync(Entry(id: "first", at: TimeSpan.Zero), Ct);

        (await QueryAsync(store, DeadLetterQuery.All)).Select(e => e.Id).Should().Equal("first", "early-1", "early-2", "late");
    }

    [Fact]
    public async Task QueryAsync_EachFilter_MatchesOnlyItsEntries()
    {
        var store = CreateStore();
        await store.AddAsync(Entry(id: "a", subscription: "billing", type: "order.placed", correlationId: "f1", at: TimeSpan.Zero), Ct);
        await store.AddAsync(Entry(id: "b", subscription: "shipping", type: "order.shipped", reason: DeadLetterReason.Expired, exceptionType: null, correlationId: "f2", at: TimeSpan.FromMinutes(1)), Ct);
        await store.AddAsync(Entry(id: "c", subscription: "billing", type: "payment.processed", exceptionType: "System.TimeoutException", correlationId: "f1", at: TimeSpan.FromMinutes(2)), Ct);

        async Task<string[]> Ids(DeadLetterQuery query) => [.. (await QueryAsync(store, query)).Select(e => e.Id)];

        (await Ids(new DeadLetterQuery { SubscriptionName = "billing" })).Should().Equal("a", "c");
        (await Ids(new DeadLetterQuery { EventType = TopicPattern.Parse("order.*") })).Should().Equal("a", "b");
        (await Ids(new DeadLetterQuery { EventType = TopicPattern.Exact("payment.processed") })).Should().Equal("c");
        (await Ids(new DeadLetterQuery { Reason = DeadLetterReason.Expired })).Should().Equal("b");
        (await Ids(new DeadLetterQuery { ExceptionType = "System.TimeoutException" })).Should().Equal("c");
        (await Ids(new DeadLetterQuery { CorrelationId = "f1" })).Should().Equal("a", "c");
        (await Ids(new DeadLetterQuery { FailedFrom = T0 + TimeSpan.FromMinutes(1) })).Should().Equal("b", "c");
        (await Ids(new DeadLetterQuery { FailedBefore = T0 + TimeSpan.FromMinutes(2) })).Should().Equal("a", "b");
        (await Ids(new DeadLetterQuery { SubscriptionName = "billing", CorrelationId = "f1", Reason = DeadLetterReason.HandlerFailed, Limit = 1 })).Should().Equal("a");
        (await Ids(new DeadLetterQuery { SubscriptionName = "nobody" })).Should().BeEmpty();
    }

    [Fact]
    public async Task CountAsync_CountsMatchesIgnoringLimit()
    {
        var store = CreateStore();
        await store.AddAsync(Entry(subscription: "billing"), Ct);
        await store.AddAsync(Entry(subscription: "billing"), Ct);
        await store.AddAsync(Entry(subscription: "shipping"), Ct);

        (await store.CountAsync(DeadLetterQuery.All, Ct)).Should().Be(3);
        (await store.CountAsync(new DeadLetterQuery { SubscriptionName = "billing", Limit = 1 }, Ct)).Should().Be(2);
    }

    [Fact]
    public async Task DeleteAsync_ById_RemovesOnceAndReportsWhetherItExisted()
    {
        var store = CreateStore();
        await store.AddAsync(Entry(id: "keep"), Ct);
        await store.AddAsync(Entry(id: "drop"), Ct);

        (await store.DeleteAsync("drop", Ct)).Should().BeTrue();
        (await store.DeleteAsync("drop", Ct)).Should().BeFalse();
        (await QueryAsync(store, DeadLetterQuery.All)).Select(e => e.Id).Should().Equal("keep");
    }

    [Fact]
    public async Task DeleteAsync_ByQuery_RemovesMatchesOnly()
    {
        var store = CreateStore();
        await store.AddAsync(Entry(id: "a", reason: DeadLetterReason.Overflow), Ct);
        await store.AddAsync(Entry(id: "b", reason: DeadLetterReason.HandlerFailed), Ct);
        await store.AddAsync(Entry(id: "c", reason: DeadLetterReason.Overflow), Ct);

        (await store.DeleteAsync(new DeadLetterQuery { Reason = DeadLetterReason.Overflow }, Ct)).Should().Be(2);
        (await QueryAsync(store, DeadLetterQuery.All)).Select(e => e.Id).Should().Equal("b");
    }
}
