using EventBus.Contracts.EventStore;
using EventBus.Sqlite.EventStore.Snapshots;
using EventBus.Sqlite.Tests.TestSupport;

namespace EventBus.Sqlite.Tests.EventStore.Snapshots;

public sealed class SqliteSnapshotStoreTests : SnapshotStoreContractTests, IDisposable
{
    private readonly TempDatabase _file = new();

    public void Dispose() => _file.Dispose();

    protected override ISnapshotStore CreateStore() => new SqliteSnapshotStore(_file.Open());
}
