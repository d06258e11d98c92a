using EventBus.Contracts.Sagas;
using EventBus.PostgreSql.DeadLetters;
using EventBus.PostgreSql.EventStore;
using EventBus.PostgreSql.Idempotency;
using EventBus.PostgreSql.Sagas;
using EventBus.PostgreSql.Tests.TestSupport;

namespace EventBus.PostgreSql.Tests.Storage;

/// <summary>Two app instances (two databases, each with its own pool) on one schema see each other's writes, and
/// the checks that must hold across instances do: appends, saga versions and the inbox.</summary>
public sealed class PostgreSqlSharedSchemaTests : IAsyncDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);
    private readonly TestSchema _schema = new();

    public ValueTask DisposeAsync() => _schema.DisposeAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EventStore_TwoInstances_ShareStreamsAndConflictOnTheSameVersion()
    {
        var a = new PostgreSqlEventStore(_schema.Open());
        var b = new PostgreSqlEventStore(_schema.Open());
        await a.AppendAsync("order-1", ExpectedVersion.NoStream, [new EventData("e-1", "order.placed", "{}"u8.ToArray())], Ct);

        var stale = () => b.AppendAsync("order-1", ExpectedVersion.NoStream, [new EventData("e-2", "order.placed", "{}"u8.ToArray())], Ct).AsTask();
        var retry = await b.AppendAsync("order-1", ExpectedVersion.NoStream, [new EventData("e-1", "order.placed", "{}"u8.ToArray())], Ct);

        (await stale.Should().ThrowAsync<EventStoreConcurrencyException>()).Which.ActualVersion.Should().Be(1);
        retry.Should().Be(new AppendResult(1, 1));
        (await b.GetStreamInfoAsync("order-1", Ct)).Version.Should().Be(1);
    }

    [Fact]
    public async Task SagaStore_TwoInstancesSavingTheSameVersion_ExactlyOneWins()
    {
        var json = TestJson.Create(bus => bus.AddEventType<ContractSagaEvent>("contract.saga-event"));
        var a = new PostgreSqlSagaStore(_schema.Open(), json);
        var b = new PostgreSqlSagaStore(_schema.Open(), json);
        await a.SaveAsync(Instance(count: 1), 0, Ct);

        var fromA = (await a.FindAsync<ContractSagaState>("Shared", "order-1", Ct))!;
        var fromB = (await b.FindAsync<ContractSagaState>("Shared", "order-1", Ct))!;
        await a.SaveAsync(fromA with { State = fromA.State with { Count = 2 } }, fromA.Version, Ct);
        var lost = () => b.SaveAsync(fromB with { State = fromB.State with { Count = 3 } }, fromB.Version, Ct).AsTask();

        (await lost.Should().ThrowAsync<SagaConcurrencyException>()).Which.ActualVersion.Should().Be(2);
        (await b.FindAsync<ContractSagaState>("Shared", "order-1", Ct))!.State.Count.Should().Be(2);
    }

    [Fact]
    public async Task InboxAndDeadLetters_WrittenByOneInstance_AreSeenByTheOther()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(T0);
        var inboxA = new PostgreSqlInbox(_schema.Open(timeProvider: clock));
        var inboxB = new PostgreSqlInbox(_schema.Open(timeProvider: clock));
        var json = TestJson.Create(bus => bus.AddEventType<ContractSagaEvent>("contract.saga-event"));
        var deadLettersA = new PostgreSqlDeadLetterStore(_schema.Open(), json);
        var deadLettersB = new PostgreSqlDeadLetterStore(_schema.Open(), json);
        var window = new IdempotencyWindow(100, TimeSpan.FromHours(1));

        (await inboxA.TryAddAsync("billing", "e-1", window, Ct)).Should().BeTrue();
        (await inboxB.TryAddAsync("billing", "e-1", window, Ct)).Should().BeFalse("the other instance handled it");
        await deadLettersA.AddAsync(
            new DeadLetter
            {
                Id = "dl-1",
                Event = new Event<ContractSagaEvent>("contract.saga-event", new ContractSagaEvent("order-1", 2)) { Id = "e-9", Time = T0 },
                SubscriptionName = "billing",
                Reason = DeadLetterReason.HandlerFailed,
                FirstFailureTime = T0,
                LastFailureTime = T0,
            },
            Ct);

        var seen = new List<DeadLetter>();
        await foreach (var entry in deadLettersB.QueryAsync(DeadLetterQuery.All, Ct))
        {
            seen.Add(entry);
        }

        var only = seen.Should().ContainSingle().Subject;
        only.Event.Id.Should().Be("e-9");
        only.Event.Payload.Should().Be(new ContractSagaEvent("order-1", 2));
    }

    private static SagaInstance<ContractSagaState> Instance(int count) => new()
    {
        SagaName = "Shared",
        CorrelationKey = "order-1",
        Status = SagaStatus.Active,
        CreatedTime = T0,
        UpdatedTime = T0,
        State = new ContractSagaState { Count = count },
    };
}
