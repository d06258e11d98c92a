using System.Text.Json.Nodes;
using EventBus.Contracts.Sagas;
using EventBus.Sqlite.Sagas;
using EventBus.Sqlite.Storage;
using EventBus.Sqlite.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace EventBus.Sqlite.Tests.Sagas;

public sealed class SqliteSagaStoreDurabilityTests : IDisposable
{
    private readonly TempDatabase _file = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _file.Dispose();

    [Fact]
    public async Task FindAsync_AfterReopen_ReturnsTheSavedInstanceAndKeepsConcurrency()
    {
        var first = _file.Open();
        await NewStore(first).SaveAsync(Instance("order-1", 5), 0, Ct);
        first.Dispose();

        var store = NewStore(_file.Open());
        var found = await store.FindAsync<ContractSagaState>("ContractSaga", "order-1", Ct);
        var stale = () => store.SaveAsync(Instance("order-1", 6), 0, Ct).AsTask();

        found!.Version.Should().Be(1);
        found.State.Count.Should().Be(5);
        (await stale.Should().ThrowAsync<SagaConcurrencyException>()).Which.ActualVersion.Should().Be(1);
    }

    [Fact]
    public async Task QueryAsync_StateTypeUnknown_ReturnsStateAsRawJsonAndEventsTyped()
    {
        var store = NewStore(_file.Open());
        var timeout = new Event<ContractSagaEvent>("contract.saga-event", new ContractSagaEvent("order-1", 1)) { Id = "t-1" };
        await store.SaveAsync(Instance("order-1", 3) with
        {
            Timeouts = [new SagaTimeout { Id = "timeout-1", Name = "payment", DueTime = DateTimeOffset.UnixEpoch, Event = timeout }],
        }, 0, Ct);

        var listed = new List<SagaInstance>();
        await foreach (var instance in store.QueryAsync(SagaQuery.All, Ct))
        {
            listed.Add(instance);
        }

        var raw = listed.Should().ContainSingle().Which.Should().BeOfType<SagaInstance<JsonNode>>().Subject;
        raw.State["count"]!.GetValue<int>().Should().Be(3);
        raw.Version.Should().Be(1);
        raw.Timeouts.Should().ContainSingle().Which.Event.Payload.Should().Be(new ContractSagaEvent("order-1", 1));
    }

    [Fact]
    public async Task QueryAsync_MoreInstancesThanOnePage_ReturnsEachOnceInCreationOrder()
    {
        var store = NewStore(_file.Open());
        for (var i = 0; i < 300; i++)
        {
            await store.SaveAsync(Instance($"order-{i:D3}", i), 0, Ct);
        }

        var keys = new List<string>();
        await foreach (var instance in store.QueryAsync(new SagaQuery { SagaName = "ContractSaga" }, Ct))
        {
            keys.Add(instance.CorrelationKey);
        }

        keys.Should().Equal(Enumerable.Range(0, 300).Select(i => $"order-{i:D3}"));
    }

    [Fact]
    public async Task Saga_AcrossRestart_ContinuesFromTheStoredInstance()
    {
        await using (var first = await StartBusAsync())
        {
            var counted = new Recorder<Event<CounterCounted>>();
            first.GetRequiredService<IEventBus>().Subscribe<CounterCounted>(e => counted.Add(e));
            await first.GetRequiredService<IEventBus>().PublishAsync(new CounterStarted("c-1"));
            await counted.WaitForAsync(1);
            await first.GetRequiredService<IEventBus>().PublishAsync(new CounterIncremented("c-1"));
            await counted.WaitForAsync(2);
            await first.GetRequiredService<IEventBusLifetime>().StopAsync(Ct);
        }

        await using var second = await StartBusAsync();
        var recounted = new Recorder<Event<CounterCounted>>();
        second.GetRequiredService<IEventBus>().Subscribe<CounterCounted>(e => recounted.Add(e));
        await second.GetRequiredService<IEventBus>().PublishAsync(new CounterIncremented("c-1"));
        await recounted.WaitForAsync(1);
        await second.GetRequiredService<IEventBusLifetime>().StopAsync(Ct);

        recounted.Items.Should().ContainSingle().Which.Payload.Should().Be(new CounterCounted("c-1", 2));
        var instance = await second.GetRequiredService<ISagaStore>().FindAsync<CountingState>(nameof(CountingSaga), "c-1", Ct);
        // One save per handled event (clearing the outbox after publishing may add one each).
        instance!.Version.Should().BeGreaterThanOrEqualTo(3);
        instance.State.Count.Should().Be(2);
        instance.State.Seen.Should().HaveCount(2);
        instance.Outbox.Should().BeEmpty();
        instance.History.Should().HaveCount(3);
    }

    private async Task<ServiceProvider> StartBusAsync()
    {
        var services = new ServiceCollection();
        services.AddEventBus().UseSqlite(_file.ConnectionString).AddSaga<CountingSaga, CountingState>();
        var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<IEventBusLifetime>().StartAsync(Ct);
        return provider;
    }

    private static SqliteSagaStore NewStore(SqliteDatabase database) =>
        new(database, TestJson.Create(bus => bus.AddEventType<ContractSagaEvent>("contract.saga-event")));

    private static SagaInstance<ContractSagaState> Instance(string key, int count) => new()
    {
        SagaName = "ContractSaga",
        CorrelationKey = key,
        Status = SagaStatus.Active,
        State = new ContractSagaState { Count = count },
    };
}
