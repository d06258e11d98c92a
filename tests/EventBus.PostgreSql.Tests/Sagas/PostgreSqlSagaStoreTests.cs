using EventBus.Contracts.Sagas;
using EventBus.PostgreSql.Sagas;
using EventBus.PostgreSql.Tests.TestSupport;

namespace EventBus.PostgreSql.Tests.Sagas;

public sealed class PostgreSqlSagaStoreTests : SagaStoreContractTests, IAsyncDisposable
{
    private readonly TestSchema _schema = new();

    public ValueTask DisposeAsync() => _schema.DisposeAsync();

    // The app registers the event types its sagas handle; stored payloads are read back through that registry.
    protected override ISagaStore CreateStore() =>
        new PostgreSqlSagaStore(_schema.Open(), TestJson.Create(bus => bus.AddEventType<ContractSagaEvent>("contract.saga-event")));
}
