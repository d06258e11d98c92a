using EventBus.Contracts.Sagas;
using EventBus.Sagas;

namespace EventBus.Tests.Sagas;

public sealed class InMemorySagaStoreTests : SagaStoreContractTests
{
    protected override ISagaStore CreateStore() => new InMemorySagaStore();
}
