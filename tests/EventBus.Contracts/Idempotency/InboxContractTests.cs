using Microsoft.Extensions.Time.Testing;

namespace EventBus.Contracts.Idempotency;

/// <summary>What every <see cref="IInbox"/> must do. A backend's test project derives from this class and returns a
/// fresh, empty inbox that reads time from the given clock.</summary>
public abstract class InboxContractTests
{
    private static readonly IdempotencyWindow Unbounded = new(10_000, null);

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected abstract IInbox CreateInbox(FakeTimeProvider clock);

    [Fact]
    public async Task TryAddAsync_SameIdTwice_SecondIsDuplicate()
    {
        var inbox = CreateInbox(new FakeTimeProvider());

        (await inbox.TryAddAsync("billing", "e1", Unbounded, Ct)).Should().BeTrue();
        (await inbox.TryAddAsync("billing", "e1", Unbounded, Ct)).Should().BeFalse();
        (await inbox.TryAddAsync("billing", "e2", Unbounded, Ct)).Should().BeTrue();
    }

    [Fact]
    public async Task ContainsAsync_TellsWhetherAnIdIsRecorded_WithoutRecordingIt()
    {
        var inbox = CreateInbox(new FakeTimeProvider());

        (await inbox.ContainsAsync("billing", "e1", Unbounded, Ct)).Should().BeFalse();
        (await inbox.ContainsAsync("billing", "e1", Unbounded, Ct)).Should().BeFalse("asking records nothing: a handler that crashes after the check leaves the id unrecorded");
        await inbox.TryAddAsync("billing", "e1", Unbounded, Ct);

        (await inbox.ContainsAsync("billing", "e1", Unbounded, Ct)).Should().BeTrue();
        (await inbox.ContainsAsync("shipping", "e1", Unbounded, Ct)).Should().BeFalse();
    }

    [Fact]
    public async Task ContainsAsync_IdOlderThanTheTimeWindow_IsNoLongerContained()
    {
        var clock = new FakeTimeProvider();
        var inbox = CreateInbox(clock);
        var window = new IdempotencyWindow(null, TimeSpan.FromMinutes(10));
        await inbox.TryAddAsync("billing", "e1", window, Ct);

        clock.Advance(TimeSpan.FromMinutes(9));
        (await inbox.ContainsAsync("billing", "e1", window, Ct)).Should().BeTrue();
        clock.Advance(TimeSpan.FromMinutes(2));
        (await inbox.ContainsAsync("billing", "e1", window, Ct)).Should().BeFalse();
    }

    [Fact]
    public async Task TryAddAsync_SameIdInAnotherSubscription_IsNotDuplicate()
    {
        var inbox = CreateInbox(new FakeTimeProvider());

        (await inbox.TryAddAsync("billing", "e1", Unbounded, Ct)).Should().BeTrue();
        (await inbox.TryAddAsync("shipping", "e1", Unbounded, Ct)).Should().BeTrue();
    }

    [Fact]
    public async Task RemoveAsync_ForgetsId_SoItIsHandledAgain()
    {
        var inbox = CreateInbox(new FakeTimeProvider());
        await inbox.TryAddAsync("billing", "e1", Unbounded, Ct);

        (await inbox.RemoveAsync("billing", "e1", Ct)).Should().BeTrue();
        (await inbox.RemoveAsync("billing", "e1", Ct)).Should().BeFalse();
        (await inbox.RemoveAsync("nobody", "e1", Ct)).Should().BeFalse();
        (await inbox.TryAddAsync("billing", "e1", Unbounded, Ct)).Should().BeTrue();
    }

    [Fact]
    public async Task TryAddAsync_CountWindow_ForgetsOldestBeyondMaxCount()
    {
        var inbox = CreateInbox(new FakeTimeProvider());
        var window = new IdempotencyWindow(2, null);
        await inbox.TryAddAsync("billing", "e1", window, Ct);
        await inbox.TryAddAsync("billing", "e2", window, Ct);
        await inbox.TryAddAsync("billing", "e3", window, Ct);

        (await inbox.TryAddAsync("billing", "e3", window, Ct)).Should().BeFalse();
        (await inbox.TryAddAsync("billing", "e1", window, Ct)).Should().BeTrue();
    }

    [Fact]
    public async Task TryAddAsync_TimeWindow_ForgetsIdsOlderThanDuration()
    {
        var clock = new FakeTimeProvider();
        var inbox = CreateInbox(clock);
        var window = new IdempotencyWindow(null, TimeSpan.FromMinutes(1));
        await inbox.TryAddAsync("billing", "e1", window, Ct);

        clock.Advance(TimeSpan.FromSeconds(30));
        (await inbox.TryAddAsync("billing", "e1", window, Ct)).Should().BeFalse();

        clock.Advance(TimeSpan.FromSeconds(31));
        (await inbox.TryAddAsync("billing", "e1", window, Ct)).Should().BeTrue();
    }
}
