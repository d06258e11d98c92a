namespace EventBus.Contracts.Sagas;

/// <summary>The behaviour every <see cref="ISagaStore"/> must have: the in-memory store runs it now, durable stores
/// (SQLite, PostgreSQL) derive from it and run the same tests.</summary>
public abstract partial class SagaStoreContractTests
{
    protected const string SagaName = "ContractSaga";

    private static readonly DateTimeOffset T0 = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    /// <summary>Creates an empty store.</summary>
    protected abstract ISagaStore CreateStore();

    [Fact]
    public async Task FindAsync_NoInstance_ReturnsNull()
    {
        var store = CreateStore();

        var found = await store.FindAsync<ContractSagaState>(SagaName, "missing");

        found.Should().BeNull();
    }

    [Fact]
    public async Task SaveAsync_NewInstance_ReturnsVersionOne()
    {
        var store = CreateStore();

        var version = await store.SaveAsync(NewInstance("order-1"), expectedVersion: 0);

        version.Should().Be(1);
        (await store.FindAsync<ContractSagaState>(SagaName, "order-1"))!.Version.Should().Be(1);
    }

    [Fact]
    public async Task FindAsync_AfterSave_ReturnsEverythingSaved()
    {
        var store = CreateStore();
        var parked = new Event<ContractSagaEvent>("contract.saga-event", new ContractSagaEvent("order-1", 2))
        {
            Id = "parked-1",
            CorrelationId = "corr-1",
            CausationId = "cause-1",
            Time = T0,
            Source = "/tests",
        };
        var timeoutEvent = new Event<ContractSagaEvent>("contract.saga-event", new ContractSagaEvent("order-1", 3))
        {
            Id = "timeout-event-1",
            CorrelationId = "corr-1",
            CausationId = "cause-2",
            Headers = new Dictionary<string, string> { ["eventbus-saga"] = SagaName },
        };
        var instance = NewInstance("order-1") with
        {
            Status = SagaStatus.Compensating,
            CurrentStep = "awaiting-refund",
            CorrelationId = "corr-1",
            CreatedTime = T0,
            UpdatedTime = T0.AddSeconds(5),
            CompensationReason = "out of stock",
            CompletedSteps = ["payment", "inventory"],
            CompensatedSteps = ["inventory"],
            AwaitingCompensation = "payment",
            Timeouts = [new SagaTimeout { Id = "timeout-1", Name = "payment", DueTime = T0.AddMinutes(1), Event = timeoutEvent }],
            ParkedEvents = [parked],
            Outbox = [parked with { Id = "outbox-1", Priority = EventPriority.High, Subject = "order-1" }],
            ProcessedEventIds = ["e1", "e2"],
            History =
            [
                new SagaHistoryEntry(T0, SagaHistoryKind.Started, "e1", "order.placed", "awaiting-payment"),
                new SagaHistoryEntry(T0.AddSeconds(5), SagaHistoryKind.CompensationStarted, "e2", "inventory.failed", "awaiting-refund", "out of stock"),
            ],
            State = new ContractSagaState { Count = 7, Note = "note", Items = ["a", "b"] },
        };

        await store.SaveAsync(instance, 0);
        var found = await store.FindAsync<ContractSagaState>(SagaName, "order-1");

        found.Should().NotBeNull();
        found!.Version.Should().Be(1);
        found.SagaName.Should().Be(SagaName);
        found.CorrelationKey.Should().Be("order-1");
        found.Status.Should().Be(SagaStatus.Compensating);
        found.CurrentStep.Should().Be("awaiting-refund");
        found.CorrelationId.Should().Be("corr-1");
        found.CreatedTime.Should().Be(T0);
        found.UpdatedTime.Should().Be(T0.AddSeconds(5));
        found.CompensationReason.Should().Be("out of stock");
        found.CompletedSteps.Should().Equal("payment", "inventory");
        found.CompensatedSteps.Should().Equal("inventory");
        found.AwaitingCompensation.Should().Be("payment");
        found.ProcessedEventIds.Should().Equal("e1", "e2");
        found.History.Should().Equal(instance.History);
        found.State.Count.Should().Be(7);
        found.State.Note.Should().Be("note");
        found.State.Items.Should().Equal("a", "b");

        var timeout = found.Timeouts.Should().ContainSingle().Subject;
        timeout.Id.Should().Be("timeout-1");
        timeout.Name.Should().Be("payment");
        timeout.DueTime.Should().Be(T0.AddMinutes(1));
        timeout.Event.Id.Should().Be("timeout-event-1");
        timeout.Event.Type.Should().Be("contract.saga-event");
        timeout.Event.CorrelationId.Should().Be("corr-1");
        timeout.Event.CausationId.Should().Be("cause-2");
        timeout.Event.Headers.Should().Contain("eventbus-saga", SagaName);
        timeout.Event.Payload.Should().Be(new ContractSagaEvent("order-1", 3));

        var parkedBack = found.ParkedEvents.Should().ContainSingle().Subject;
        parkedBack.Id.Should().Be("parked-1");
        parkedBack.Type.Should().Be("contract.saga-event");
        parkedBack.CorrelationId.Should().Be("corr-1");
        parkedBack.CausationId.Should().Be("cause-1");
        parkedBack.Time.Should().Be(T0);
        parkedBack.Source.Should().Be("/tests");
        parkedBack.Payload.Should().Be(new ContractSagaEvent("order-1", 2));

        var outboxBack = found.Outbox.Should().ContainSingle().Subject;
        outboxBack.Id.Should().Be("outbox-1");
        outboxBack.Priority.Should().Be(EventPriority.High);
        outboxBack.Subject.Should().Be("order-1");
        outboxBack.CausationId.Should().Be("cause-1");
        outboxBack.Payload.Should().Be(new ContractSagaEvent("order-1", 2));
    }

    [Fact]
    public async Task SaveAsync_ExpectedVersionMatches_IncrementsVersionAndReplaces()
    {
        var store = CreateStore();
        await store.SaveAsync(NewInstance("order-1"), 0);

        var version = await store.SaveAsync(NewInstance("order-1", count: 2) with { Status = SagaStatus.Completed }, expectedVersion: 1);

        version.Should().Be(2);
        var found = await store.FindAsync<ContractSagaState>(SagaName, "order-1");
        found!.Version.Should().Be(2);
        found.State.Count.Should().Be(2);
        found.Status.Should().Be(SagaStatus.Completed);
    }

    [Fact]
    public async Task SaveAsync_StaleVersion_ThrowsSagaConcurrencyExceptionAndKeepsStored()
    {
        var store = CreateStore();
        await store.SaveAsync(NewInstance("order-1"), 0);
        await store.SaveAsync(NewInstance("order-1", count: 2), 1);

        var stale = () => store.SaveAsync(NewInstance("order-1", count: 99), expectedVersion: 1).AsTask();

        var thrown = await stale.Should().ThrowAsync<SagaConcurrencyException>();
        thrown.Which.SagaName.Should().Be(SagaName);
        thrown.Which.CorrelationKey.Should().Be("order-1");
        thrown.Which.ExpectedVersion.Should().Be(1);
        thrown.Which.ActualVersion.Should().Be(2);
        var found = await store.FindAsync<ContractSagaState>(SagaName, "order-1");
        found!.Version.Should().Be(2);
        found.State.Count.Should().Be(2);
    }

    [Fact]
    public async Task SaveAsync_CreateWhenInstanceExists_ThrowsSagaConcurrencyException()
    {
        var store = CreateStore();
        await store.SaveAsync(NewInstance("order-1", count: 1), 0);

        var again = () => store.SaveAsync(NewInstance("order-1", count: 2), expectedVersion: 0).AsTask();

        var thrown = await again.Should().ThrowAsync<SagaConcurrencyException>();
        thrown.Which.ExpectedVersion.Should().Be(0);
        thrown.Which.ActualVersion.Should().Be(1);
        (await store.FindAsync<ContractSagaState>(SagaName, "order-1"))!.State.Count.Should().Be(1);
    }

    [Fact]
    public async Task SaveAsync_UpdateOfMissingInstance_ThrowsSagaConcurrencyException()
    {
        var store = CreateStore();

        var update = () => store.SaveAsync(NewInstance("order-1"), expectedVersion: 3).AsTask();

        var thrown = await update.Should().ThrowAsync<SagaConcurrencyException>();
        thrown.Which.ExpectedVersion.Should().Be(3);
        thrown.Which.ActualVersion.Should().Be(0);
        (await store.FindAsync<ContractSagaState>(SagaName, "order-1")).Should().BeNull();
    }

    [Fact]
    public async Task SaveAsync_ConcurrentCreates_ExactlyOneWins()
    {
        var store = CreateStore();
        using var start = new ManualResetEventSlim(false);

        var attempts = Enumerable.Range(1, 16).Select(i => Task.Run(async () =>
        {
            start.Wait();
            try
            {
                await store.SaveAsync(NewInstance("order-1", count: i), 0);
                return i;
            }
            catch (SagaConcurrencyException)
            {
                return 0;
            }
        })).ToList();
        start.Set();
        var results = await Task.WhenAll(attempts);

        var winners = results.Where(r => r != 0).ToList();
        winners.Should().ContainSingle();
        var found = await store.FindAsync<ContractSagaState>(SagaName, "order-1");
        found!.Version.Should().Be(1);
        found.State.Count.Should().Be(winners[0]);
    }

    [Fact]
    public async Task SaveAsync_ConcurrentUpdatesRetryingOnConflict_LoseNoUpdate()
    {
        const int writers = 16;
        var store = CreateStore();
        await store.SaveAsync(NewInstance("order-1", count: 0), 0);
        using var start = new ManualResetEventSlim(false);

        var tasks = Enumerable.Range(0, writers).Select(i => Task.Run(async () =>
        {
            start.Wait();
            var conflicts = 0;
            while (true)
            {
                var current = (await store.FindAsync<ContractSagaState>(SagaName, "order-1"))!;
                var next = current with
                {
                    State = current.State with { Count = current.State.Count + 1, Items = [.. current.State.Items, $"w{i}"] },
                };
                try
                {
                    await store.SaveAsync(next, current.Version);
                    return conflicts;
                }
                catch (SagaConcurrencyException)
                {
                    conflicts++;
                }
            }
        })).ToList();
        start.Set();
        await Task.WhenAll(tasks);

        var found = await store.FindAsync<ContractSagaState>(SagaName, "order-1");
        found!.State.Count.Should().Be(writers);
        found.State.Items.Should().BeEquivalentTo(Enumerable.Range(0, writers).Select(i => $"w{i}"));
        found.Version.Should().Be(writers + 1);
    }

    [Fact]
    public async Task FindAsync_StateChangedInPlaceByReader_StoredStateUnchanged()
    {
        var store = CreateStore();
        await store.SaveAsync(NewMutableInstance("order-1"), 0);

        // What a handler does when it changes ctx.State in place and then fails: nothing is saved.
        var first = (await store.FindAsync<ContractMutableSagaState>(SagaName, "order-1"))!;
        first.State.Count = 99;
        first.State.Items.Add("leaked");
        var second = (await store.FindAsync<ContractMutableSagaState>(SagaName, "order-1"))!;

        second.State.Should().NotBeSameAs(first.State, "every read gets a state of its own");
        second.Version.Should().Be(1);
        second.State.Count.Should().Be(1);
        second.State.Items.Should().Equal("a");
    }

    [Fact]
    public async Task SaveAsync_StateChangedInPlaceAfterSave_StoredStateUnchanged()
    {
        var store = CreateStore();
        var instance = NewMutableInstance("order-1");
        await store.SaveAsync(instance, 0);

        instance.State.Count = 99;
        instance.State.Items.Add("leaked");
        var found = (await store.FindAsync<ContractMutableSagaState>(SagaName, "order-1"))!;

        found.State.Should().NotBeSameAs(instance.State, "the store keeps what was saved, not the caller's object");
        found.State.Count.Should().Be(1);
        found.State.Items.Should().Equal("a");
    }

    [Fact]
    public async Task SaveAsync_SameKeyInTwoSagas_KeepsThemApart()
    {
        var store = CreateStore();

        await store.SaveAsync(NewInstance("order-1", count: 1), 0);
        await store.SaveAsync(NewInstance("order-1", count: 2) with { SagaName = "OtherSaga" }, 0);

        (await store.FindAsync<ContractSagaState>(SagaName, "order-1"))!.State.Count.Should().Be(1);
        (await store.FindAsync<ContractSagaState>("OtherSaga", "order-1"))!.State.Count.Should().Be(2);
    }

    [Fact]
    public async Task QueryAsync_Filters_MatchSagaNameKeyAndStatus()
    {
        var store = CreateStore();
        await store.SaveAsync(NewInstance("order-1") with { Status = SagaStatus.Active, CurrentStep = "paying" }, 0);
        await store.SaveAsync(NewInstance("order-2") with { Status = SagaStatus.Completed }, 0);
        await store.SaveAsync(NewInstance("order-3") with { Status = SagaStatus.Compensated, CompensationReason = "declined" }, 0);
        await store.SaveAsync(NewInstance("order-1") with { SagaName = "OtherSaga", Status = SagaStatus.Active }, 0);

        var all = await ToListAsync(store.QueryAsync(SagaQuery.All));
        var ofSaga = await ToListAsync(store.QueryAsync(new SagaQuery { SagaName = SagaName }));
        var active = await ToListAsync(store.QueryAsync(new SagaQuery { SagaName = SagaName, Status = SagaStatus.Active }));
        var byKey = await ToListAsync(store.QueryAsync(new SagaQuery { CorrelationKey = "order-1" }));
        var compensated = await ToListAsync(store.QueryAsync(new SagaQuery { Status = SagaStatus.Compensated }));

        all.Should().HaveCount(4);
        ofSaga.Select(i => i.CorrelationKey).Should().Equal("order-1", "order-2", "order-3");
        active.Should().ContainSingle().Which.CurrentStep.Should().Be("paying");
        byKey.Select(i => i.SagaName).Should().BeEquivalentTo(SagaName, "OtherSaga");
        compensated.Should().ContainSingle().Which.CompensationReason.Should().Be("declined");
    }

    [Fact]
    public async Task QueryAsync_AfterUpdate_ReturnsLatestVersion()
    {
        var store = CreateStore();
        await store.SaveAsync(NewInstance("order-1"), 0);
        await store.SaveAsync(NewInstance("order-1") with { Status = SagaStatus.Completed, CurrentStep = "done" }, 1);

        var found = (await ToListAsync(store.QueryAsync(new SagaQuery { SagaName = SagaName }))).Should().ContainSingle().Subject;

        found.Version.Should().Be(2);
        found.Status.Should().Be(SagaStatus.Completed);
        found.CurrentStep.Should().Be("done");
    }

    [Fact]
    public async Task SaveAsync_InvalidArguments_ThrowClearExceptions()
    {
        var store = CreateStore();

        await FluentActions.Awaiting(() => store.SaveAsync<ContractSagaState>(null!, 0).AsTask())
            .Should().ThrowAsync<ArgumentNullException>();
        await FluentActions.Awaiting(() => store.SaveAsync(NewInstance("order-1"), -1).AsTask())
            .Should().ThrowAsync<ArgumentOutOfRangeException>().WithParameterName("expectedVersion");
        await FluentActions.Awaiting(() => store.FindAsync<ContractSagaState>("", "order-1").AsTask())
            .Should().ThrowAsync<ArgumentException>().WithParameterName("sagaName");
        await FluentActions.Awaiting(() => store.FindAsync<ContractSagaState>(SagaName, "").AsTask())
            .Should().ThrowAsync<ArgumentException>().WithParameterName("correlationKey");
    }

    protected static SagaInstance<ContractSagaState> NewInstance(string key, int count = 1) => new()
    {
        SagaName = SagaName,
        CorrelationKey = key,
        Status = SagaStatus.Active,
        CreatedTime = T0,
        UpdatedTime = T0,
        State = new ContractSagaState { Count = count },
    };

    private static SagaInstance<ContractMutableSagaState> NewMutableInstance(string key) => new()
    {
        SagaName = SagaName,
        CorrelationKey = key,
        Status = SagaStatus.Active,
        CreatedTime = T0,
        UpdatedTime = T0,
        State = new ContractMutableSagaState { Count = 1, Items = ["a"] },
    };

    private static async Task<List<SagaInstance>> ToListAsync(IAsyncEnumerable<SagaInstance> source)
    {
        var list = new List<SagaInstance>();
        await foreach (var item in source)
        {
            list.Add(item);
        }

        return list;
    }
}
