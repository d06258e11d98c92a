using EventBus.Contracts.EventStore;
using EventBus.PostgreSql.EventStore;
using EventBus.PostgreSql.Tests.TestSupport;

namespace EventBus.PostgreSql.Tests.EventStore;

public sealed class PostgreSqlEventStoreTests : EventStoreContractTests, IAsyncDisposable
{
    private readonly TestSchema _schema = new();

    public ValueTask DisposeAsync() => _schema.DisposeAsync();

    protected override IEventStore CreateStore() => new PostgreSqlEventStore(_schema.Open());
}
