using EventBus.Contracts.EventStore;
using EventBus.PostgreSql.EventStore.Snapshots;
using EventBus.PostgreSql.Tests.TestSupport;

namespace EventBus.PostgreSql.Tests.EventStore.Snapshots;

public sealed class PostgreSqlSnapshotStoreTests : SnapshotStoreContractTests, IAsyncDisposable
{
    private readonly TestSchema _schema = new();

    public ValueTask DisposeAsync() => _schema.DisposeAsync();

    protected override ISnapshotStore CreateStore() => new PostgreSqlSnapshotStore(_schema.Open());
}
