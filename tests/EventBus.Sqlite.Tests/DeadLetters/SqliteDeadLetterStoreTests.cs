using EventBus.Contracts.DeadLetters;
using EventBus.Sqlite.DeadLetters;
using EventBus.Sqlite.Tests.TestSupport;

namespace EventBus.Sqlite.Tests.DeadLetters;

public sealed class SqliteDeadLetterStoreTests : DeadLetterStoreContractTests, IDisposable
{
    private readonly TempDatabase _file = new();

    public void Dispose() => _file.Dispose();

    protected override IDeadLetterStore CreateStore() => new SqliteDeadLetterStore(_file.Open(), TestJson.Create());
}
