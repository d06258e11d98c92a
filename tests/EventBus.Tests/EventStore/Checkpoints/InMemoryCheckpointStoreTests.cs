using EventBus.Contracts.EventStore;
using EventBus.EventStore.Checkpoints;

namespace EventBus.Tests.EventStore.Checkpoints;

public sealed class InMemoryCheckpointStoreTests : CheckpointStoreContractTests
{
    protected override ICheckpointStore CreateStore() => new InMemoryCheckpointStore();
}
