using Microsoft.Extensions.Time.Testing;

namespace EventBus.Tests.TestSupport;

/// <summary>A <see cref="FakeTimeProvider"/> that signals every timer it creates, so a test advances time only once
/// the code under test is actually waiting on it (no race between "advance" and "start waiting").</summary>
public sealed class TestClock : FakeTimeProvider
{
    private readonly SemaphoreSlim _timers = new(0);

    public TestClock()
        : base(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero))
    {
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        _timers.Release();
        return timer;
    }

    /// <summary>Completes once a timer has been created since the last call; fails after a generous safety timeout.</summary>
    public async Task WaitForTimerAsync(TimeSpan? timeout = null)
    {
        if (!await _timers.WaitAsync(timeout ?? TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException("No timer was created by the code under test.");
        }
    }

    /// <summary>Waits for the next timer, then moves time forward by <paramref name="by"/>.</summary>
    public async Task AdvanceWhenWaitingAsync(TimeSpan by)
    {
        await WaitForTimerAsync();
        Advance(by);
    }
}
