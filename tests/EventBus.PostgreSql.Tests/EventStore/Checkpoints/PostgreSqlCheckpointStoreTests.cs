using EventBus.Contracts.EventStore;
using EventBus.PostgreSql.EventStore.Checkpoints;
using EventBus.PostgreSql.Tests.TestSupport;

namespace EventBus.PostgreSql.Tests.EventStore.Checkpoints;

public sealed class PostgreSqlCheckpointStoreTests : CheckpointStoreContractTests, IAsyncDisposable
{
    private readonly TestSchema _schema = new();

    public ValueTask DisposeAsync() => _schema.DisposeAsync();

    protected override ICheckpointStore CreateStore() => new PostgreSqlCheckpointStore(_schema.Open());
}
