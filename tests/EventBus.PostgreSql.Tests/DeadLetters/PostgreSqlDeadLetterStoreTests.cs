using EventBus.Contracts.DeadLetters;
using EventBus.PostgreSql.DeadLetters;
using EventBus.PostgreSql.Tests.TestSupport;

namespace EventBus.PostgreSql.Tests.DeadLetters;

public sealed class PostgreSqlDeadLetterStoreTests : DeadLetterStoreContractTests, IAsyncDisposable
{
    private readonly TestSchema _schema = new();

    public ValueTask DisposeAsync() => _schema.DisposeAsync();

    protected override IDeadLetterStore CreateStore() => new PostgreSqlDeadLetterStore(_schema.Open(), TestJson.Create());
}
