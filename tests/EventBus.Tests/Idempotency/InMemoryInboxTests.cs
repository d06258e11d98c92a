using EventBus.Contracts.Idempotency;
using EventBus.Idempotency;
using Microsoft.Extensions.Time.Testing;

namespace EventBus.Tests.Idempotency;

public sealed class InMemoryInboxTests : InboxContractTests
{
    protected override IInbox CreateInbox(FakeTimeProvider clock) => new InMemoryInbox(clock);

    [Fact]
    public async Task RemoveAsync_ManyRemovals_KeepsRemainingIdsRemembered()
    {
        var inbox = CreateInbox(new FakeTimeProvider());
        var window = new IdempotencyWindow(1_000, null);
        for (var i = 0; i < 500; i++)
        {
            await inbox.TryAddAsync("s", $"e{i}", window, Ct);
        }

        for (var i = 0; i < 500; i += 2)
        {
            await inbox.RemoveAsync("s", $"e{i}", Ct);
        }

        (await inbox.TryAddAsync("s", "e1", window, Ct)).Should().BeFalse();
        (await inbox.TryAddAsync("s", "e499", window, Ct)).Should().BeFalse();
        (await inbox.TryAddAsync("s", "e0", window, Ct)).Should().BeTrue();
    }
}
