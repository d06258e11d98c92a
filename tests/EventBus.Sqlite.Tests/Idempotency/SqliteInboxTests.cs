using EventBus.Contracts.Idempotency;
using EventBus.Sqlite.Idempotency;
using EventBus.Sqlite.Tests.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace EventBus.Sqlite.Tests.Idempotency;

public sealed class SqliteInboxTests : InboxContractTests, IDisposable
{
    private readonly TempDatabase _file = new();

    public void Dispose() => _file.Dispose();

    protected override IInbox CreateInbox(FakeTimeProvider clock) => new SqliteInbox(_file.Open(timeProvider: clock));
}
