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
}
