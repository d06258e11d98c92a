using EventBus.Contracts.EventStore;
using EventBus.EventStore;

namespace EventBus.Tests.EventStore;

public sealed class InMemoryEventStoreTests : EventStoreContractTests
{
    protected override IEventStore CreateStore() => new InMemoryEventStore(TimeProvider.System);
}
