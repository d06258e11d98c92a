using EventBus.Contracts.EventStore;
using EventBus.Sqlite.EventStore.Checkpoints;
using EventBus.Sqlite.Tests.TestSupport;

namespace EventBus.Sqlite.Tests.EventStore.Checkpoints;

public sealed class SqliteCheckpointStoreTests : CheckpointStoreContractTests, IDisposable
{
    private readonly TempDatabase _file = new();

    public void Dispose() => _file.Dispose();

    protected override ICheckpointStore CreateStore() => new SqliteCheckpointStore(_file.Open());
}
