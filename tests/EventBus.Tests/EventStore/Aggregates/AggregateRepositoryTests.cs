using System.Text;
using CsCheck;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EventBus.Tests.EventStore.Aggregates;

public sealed class AggregateRepositoryTests
{
    private static ServiceProvider Build(int snapshotEvery = 0, int schemaVersion = 1, Action<IServiceCollection>? services = null) =>
        StoreFixture.Build(
            b => b.AddAggregate("account", AccountState.Initial, AccountState.Evolve, o =>
            {
                o.SnapshotEvery = snapshotEvery;
                o.SnapshotSchemaVersion = schemaVersion;
            }),
            o => o.PublishToBus = false,
            services);

    [Fact]
    public async Task LoadAsync_NewAggregate_HasInitialStateAtVersionZero()
    {
        await using var provider = Build();
        var repository = provider.GetRequiredService<IAggregateRepository<AccountState>>();

        var account = await repository.LoadAsync("42");

        account.State.Should().Be(AccountState.Initial());
        account.Version.Should().Be(0);
        account.StreamId.Should().Be("account-42");
    }

    [Fact]
    public async Task SaveAsync_ThenLoad_ReplaysToTheSameState()
    {
        await using var provider = Build();
        var repository = provider.GetRequiredService<IAggregateRepository<AccountState>>();
        var account = await repository.LoadAsync("42");

        account.Raise(new Deposited(100m));
        account.Raise(new Withdrawn(30m));
        var result = await repository.SaveAsync(account);
        var nothing = await repository.SaveAsync(account);
        var reloaded = await repository.LoadAsync("42");

        result.Should().Be(new AppendResult(2, 2));
        nothing.Should().BeNull();
        account.PendingEvents.Should().BeEmpty();
        account.Version.Should().Be(2);
        reloaded.State.Should().Be(new AccountState(70m, 2));
        reloaded.Version.Should().Be(2);
    }

    [Fact]
    public async Task LoadAsync_AtVersion_FoldsOnlyTheEventsUpToIt()
    {
        await using var provider = Build();
        var repository = provider.GetRequiredService<IAggregateRepository<AccountState>>();
        await SaveEventsAsync(repository, "42", new Deposited(100m), new Withdrawn(30m), new Deposited(5m));

        var initial = await repository.LoadAsync("42", version: 0);
        var second = await repository.LoadAsync("42", version: 2);
        var current = await repository.LoadAsync("42", version: 3);

        initial.State.Should().Be(AccountState.Initial());
        initial.Version.Should().Be(0);
        second.State.Should().Be(new AccountState(70m, 2));
        second.Version.Should().Be(2);
        current.State.Should().Be(new AccountState(75m, 3));
    }

    [Fact]
    public async Task LoadAsync_AtVersionBelowTheSnapshot_ReplaysFromTheStart()
    {
        await using var provider = Build(snapshotEvery: 2);
        var repository = provider.GetRequiredService<IAggregateRepository<AccountState>>();
        await SaveEventsAsync(repository, "42", new Deposited(100m), new Withdrawn(30m), new Deposited(5m), new Deposited(1m));
        (await provider.GetRequiredService<ISnapshotStore>().LoadAsync("account-42"))!.StreamVersion.Should().Be(4);

        var first = await repository.LoadAsync("42", version: 1);
        var third = await repository.LoadAsync("42", version: 3);

        first.State.Should().Be(new AccountState(100m, 1));
        third.State.Should().Be(new AccountState(75m, 3));
    }

    [Fact]
    public async Task LoadAsync_AtVersionBeyondTheStream_Throws()
    {
        await using var provider = Build();
        var repository = provider.GetRequiredService<IAggregateRepository<AccountState>>();
        await SaveEventsAsync(repository, "42", new Deposited(100m));

        var beyond = () => repository.LoadAsync("42", version: 2).AsTask();
        var negative = () => repository.LoadAsync("42", version: -1).AsTask();

        (await beyond.Should().ThrowAsync<ArgumentOutOfRangeException>()).Which.Message.Should().Contain("Stream 'account-42' is at version 1");
        await negative.Should().ThrowAsync<ArgumentOutOfRangeException>();
    }

    [Fact]
    public async Task SaveAsync_AggregateLoadedAtAnOlderVersion_ThrowsConcurrencyException()
    {
        await using var provider = Build();
        var repository = provider.GetRequiredService<IAggregateRepository<AccountState>>();
        await SaveEventsAsync(repository, "42", new Deposited(100m), new Withdrawn(30m));
        var old = await repository.LoadAsync("42", version: 1);
        old.Raise(new Deposited(1m));

        var act = () => repository.SaveAsync(old).AsTask();

        (await act.Should().ThrowAsync<EventStoreConcurrencyException>()).Which.ActualVersion.Should().Be(2);
    }

    [Fact]
    public async Task SaveAsync_StaleAggregate_ThrowsConcurrencyExceptionWithVersions()
    {
        await using var provider = Build();
        var repository = provider.GetRequiredService<IAggregateRepository<AccountState>>();
        var first = await repository.LoadAsync("7");
        var second = await repository.LoadAsync("7");
        first.Raise(new Deposited(1m));
        second.Raise(new Deposited(2m));
        await repository.SaveAsync(first);

        var act = () => repository.SaveAsync(second).AsTask();

        var ex = (await act.Should().ThrowAsync<EventStoreConcurrencyException>()).Which;
        ex.StreamId.Should().Be("account-7");
        ex.ExpectedVersion.Should().Be(ExpectedVersion.Exact(0));
        ex.ActualVersion.Should().Be(1);
        second.PendingEvents.Should().HaveCount(1);
    }

    [Fact]
    public async Task SaveAsync_CrossingEveryN_TakesSnapshotsAtThoseSaves()
    {
        await using var provider = Build(snapshotEvery: 3);
        var repository = provider.GetRequiredService<IAggregateRepository<AccountState>>();
        var snapshots = provider.GetRequiredService<ISnapshotStore>();
        var versions = new List<long?>();

        foreach (var batch in new[] { 2, 2, 1, 4 })
        {
            var account = await repository.LoadAsync("1");
            for (var i = 0; i < batch; i++)
            {
                account.Raise(new Deposited(1m));
            }

            await repository.SaveAsync(account);
            versions.Add((await snapshots.LoadAsync("account-1"))?.StreamVersion);
        }

        // Saves end at versions 2, 4, 5 and 9: only 4 (crossed 3) and 9 (crossed 6 and 9) snapshot.
        versions.Should().Equal(null, 4, 4, 9);
    }

    [Fact]
    public async Task LoadAsync_SnapshotPlusTail_EqualsFullReplay_ForAnyHistory()
    {
        var amounts = Gen.Int[-50, 100].Select(i => (decimal)i);
        var history = Gen.Select(amounts.Array[1, 6].Array[1, 12], Gen.Int[1, 7]);

        await history.SampleAsync(async (batches, every) =>
        {
            await using var provider = Build(snapshotEvery: every);
            var repository = provider.GetRequiredService<IAggregateRepository<AccountState>>();
            var expected = AccountState.Initial();
            foreach (var batch in batches)
            {
                var account = await repository.LoadAsync("p");
                foreach (var amount in batch)
                {
                    object @event = amount >= 0 ? new Deposited(amount) : new Withdrawn(-amount);
                    account.Raise(@event);
                    expected = AccountState.Evolve(expected, @event);
                }

                await repository.SaveAsync(account);
            }

            await using var noSnapshots = Build(services: s => s.AddSingleton(provider.GetRequiredService<IEventStore>()));
            var replayed = await noSnapshots.GetRequiredService<IAggregateRepository<AccountState>>().LoadAsync("p");
            var loaded = await repository.LoadAsync("p");

            loaded.State.Should().Be(expected);
            loaded.State.Should().Be(replayed.State);
            loaded.Version.Should().Be(replayed.Version);
        }, iter: 60);
    }

    [Fact]
    public async Task LoadAsync_WithSnapshot_ReadsOnlyTheTail()
    {
        await using var provider = Build(snapshotEvery: 5);
        var repository = provider.GetRequiredService<IAggregateRepository<AccountState>>();
        var account = await repository.LoadAsync("t");
        for (var i = 0; i < 6; i++)
        {
            account.Raise(new Deposited(10m));
        }

        await repository.SaveAsync(account);
        account.Raise(new Deposited(1m));
        await repository.SaveAsync(account);

        // With the first six events pruned, only snapshot (at 6) + tail (7) can produce the state.
        await provider.GetRequiredService<IEventStore>().TruncateStreamAsync("account-t", 7);
        var loaded = await repository.LoadAsync("t");

        loaded.State.Should().Be(new AccountState(61m, 7));
        loaded.Version.Should().Be(7);
    }

    [Fact]
    public async Task LoadAsync_SnapshotOfAnotherSchemaVersion_IsIgnoredLoggedAndRebuiltFromEvents()
    {
        var logs = new ListLoggerProvider();
        await using var provider = Build(snapshotEvery: 1, schemaVersion: 2, services: s => s.AddLogging(b => b.AddProvider(logs)));
        var repository = provider.GetRequiredService<IAggregateRepository<AccountState>>();
        var account = await repository.LoadAsync("s");
        account.Raise(new Deposited(5m));
        account.Raise(new Deposited(6m));
        await provider.GetRequiredService<IEventStreams>().AppendAsync("account-s", ExpectedVersion.NoStream, account.PendingEvents);
        var oldSchema = new Snapshot("account-s", 2, 1, Encoding.UTF8.GetBytes("{\"balance\":999999,\"transactions\":1}"), DateTimeOffset.UnixEpoch);
        await provider.GetRequiredService<ISnapshotStore>().SaveAsync(oldSchema);

        var loaded = await repository.LoadAsync("s");

        loaded.State.Should().Be(new AccountState(11m, 2));
        loaded.Version.Should().Be(2);
        logs.Entries.Should().Contain(e => e.Id.Id == 210 && e.Message.Contains("account-s") && e.Message.Contains("schema version 1"));
    }

    [Fact]
    public async Task LoadAsync_TruncatedWithoutCoveringSnapshot_ThrowsInsteadOfReturningAWrongState()
    {
        await using var provider = Build();
        var repository = provider.GetRequiredService<IAggregateRepository<AccountState>>();
        var account = await repository.LoadAsync("x");
        account.Raise(new Deposited(1m));
        account.Raise(new Deposited(2m));
        await repository.SaveAsync(account);
        await provider.GetRequiredService<IEventStore>().TruncateStreamAsync("account-x", 2);

        var act = () => repository.LoadAsync("x").AsTask();

        (await act.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("'account-x'").And.Contain("truncated before version 2");
    }

    [Fact]
    public async Task LoadAsync_DeletedStream_Throws()
    {
        await using var provider = Build();
        await provider.GetRequiredService<IEventStore>().DeleteStreamAsync("account-d", ExpectedVersion.Any);

        var act = () => provider.GetRequiredService<IAggregateRepository<AccountState>>().LoadAsync("d").AsTask();

        (await act.Should().ThrowAsync<StreamDeletedException>()).Which.StreamId.Should().Be("account-d");
    }

    private static async Task SaveEventsAsync(IAggregateRepository<AccountState> repository, string id, params object[] events)
    {
        var aggregate = await repository.LoadAsync(id);
        foreach (var e in events)
        {
            aggregate.Raise(e);
        }

        await repository.SaveAsync(aggregate);
    }
}
