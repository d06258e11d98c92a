using EventBus.Sqlite.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace EventBus.Sqlite.Tests.EventStore.Aggregates;

/// <summary>Aggregates over the SQLite stores: state saved by one service provider (one "process") is loaded by the
/// next one from its snapshot plus the events after it, and equals a full replay.</summary>
public sealed class SqliteAggregateTests : IDisposable
{
    private readonly TempDatabase _file = new();

    public void Dispose() => _file.Dispose();

    [Fact]
    public async Task LoadAsync_AfterRestart_SnapshotPlusTailEqualsFullReplay()
    {
        await using (var first = Build(snapshotEvery: 10))
        {
            var accounts = first.GetRequiredService<IAggregateRepository<Balance>>();
            for (var i = 1; i <= 25; i++)
            {
                var account = await accounts.LoadAsync("a-1");
                account.Raise(new Deposited(i));
                await accounts.SaveAsync(account);
            }
        }

        await using var restarted = Build(snapshotEvery: 10);
        var snapshot = await restarted.GetRequiredService<ISnapshotStore>().LoadAsync("account-a-1");
        var loaded = await restarted.GetRequiredService<IAggregateRepository<Balance>>().LoadAsync("a-1");
        await using var withoutSnapshots = Build(snapshotEvery: 0);
        await withoutSnapshots.GetRequiredService<ISnapshotStore>().DeleteAsync("account-a-1");
        var replayed = await withoutSnapshots.GetRequiredService<IAggregateRepository<Balance>>().LoadAsync("a-1");

        snapshot.Should().NotBeNull();
        snapshot!.StreamVersion.Should().Be(20);
        loaded.Version.Should().Be(25);
        loaded.State.Should().Be(new Balance(325, 25));
        replayed.State.Should().Be(loaded.State);
    }

    private ServiceProvider Build(int snapshotEvery)
    {
        var services = new ServiceCollection();
        services.AddEventBus().UseSqlite(_file.ConnectionString).AddEventStore(o => o.PublishToBus = false)
            .AddEventType<Deposited>()
            .AddAggregate("account", () => new Balance(0, 0), Balance.Evolve, o => o.SnapshotEvery = snapshotEvery);
        return services.BuildServiceProvider();
    }

    [EventType("account.deposited")]
    public sealed record Deposited(decimal Amount);

    public sealed record Balance(decimal Total, int Deposits)
    {
        public static Balance Evolve(Balance state, object @event) =>
            @event is Deposited d ? state with { Total = state.Total + d.Amount, Deposits = state.Deposits + 1 } : state;
    }
}
