using EventBus.Contracts.Idempotency;
using EventBus.PostgreSql.Idempotency;
using EventBus.PostgreSql.Tests.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace EventBus.PostgreSql.Tests.Idempotency;

public sealed class PostgreSqlInboxTests : InboxContractTests, IAsyncDisposable
{
    private readonly TestSchema _schema = new();

    public ValueTask DisposeAsync() => _schema.DisposeAsync();

    protected override IInbox CreateInbox(FakeTimeProvider clock) => new PostgreSqlInbox(_schema.Open(timeProvider: clock));
}
