using EventBus.Contracts.EventStore;
using EventBus.EventStore.Snapshots;

namespace EventBus.Tests.EventStore.Snapshots;

public sealed class InMemorySnapshotStoreTests : SnapshotStoreContractTests
{
    protected override ISnapshotStore CreateStore() => new InMemorySnapshotStore();
}
