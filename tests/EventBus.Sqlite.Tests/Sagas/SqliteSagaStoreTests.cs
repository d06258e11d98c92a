using EventBus.Contracts.Sagas;
using EventBus.Sqlite.Sagas;
using EventBus.Sqlite.Tests.TestSupport;

namespace EventBus.Sqlite.Tests.Sagas;

public sealed class SqliteSagaStoreTests : SagaStoreContractTests, IDisposable
{
    private readonly TempDatabase _file = new();

    public void Dispose() => _file.Dispose();

    // The app registers the event types its sagas handle; stored payloads are read back through that registry.
    protected override ISagaStore CreateStore() =>
        new SqliteSagaStore(_file.Open(), TestJson.Create(bus => bus.AddEventType<ContractSagaEvent>("contract.saga-event")));

    [Fact]
    public async Task Open_SchemaVersion2WithPendingTimeouts_CopiesThemIntoClaimableWork()
    {
        // A version 2 file: the timeout lives only in the instance document.
        var due = new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero).AddTicks(1_234_567);
        var store = CreateStore();
        await store.SaveAsync(
            NewInstance("order-1") with
            {
                Timeouts =
                [
                    new SagaTimeout
                    {
                        Id = "t1",
                        Name = "payment",
                        DueTime = due,
                        Event = new Event<ContractSagaEvent>("contract.saga-event", new ContractSagaEvent("order-1", 1)) { Id = "timeout-event-1" },
                    },
                ],
            },
            0);
        using (var raw = _file.OpenRaw())
        {
            TempDatabase.Scalar(raw, "DROP TABLE eventbus_saga_timeouts; DELETE FROM eventbus_schema_version WHERE version = 3; SELECT 1");
        }

        var upgraded = CreateStore();
        var early = await upgraded.ClaimDueTimeoutsAsync(SagaName, due.AddMilliseconds(-1), "a", TimeSpan.FromMinutes(1), 10);
        var claimed = await upgraded.ClaimDueTimeoutsAsync(SagaName, due.AddMilliseconds(1), "a", TimeSpan.FromMinutes(1), 10);

        early.Should().BeEmpty();
        var claim = claimed.Should().ContainSingle().Subject;
        claim.CorrelationKey.Should().Be("order-1");
        claim.Timeout.Name.Should().Be("payment");
        claim.Timeout.DueTime.Should().BeCloseTo(due, TimeSpan.FromMilliseconds(1));
        claim.Timeout.Event.Id.Should().Be("timeout-event-1");
    }
}
