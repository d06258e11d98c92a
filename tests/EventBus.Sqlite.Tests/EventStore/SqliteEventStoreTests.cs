using EventBus.Contracts.EventStore;
using EventBus.Sqlite.EventStore;
using EventBus.Sqlite.Tests.TestSupport;

namespace EventBus.Sqlite.Tests.EventStore;

public sealed class SqliteEventStoreTests : EventStoreContractTests, IDisposable
{
    private readonly TempDatabase _file = new();

    public void Dispose() => _file.Dispose();

    protected override IEventStore CreateStore() => new SqliteEventStore(_file.Open());
}
