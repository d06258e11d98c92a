using System.Collections.Concurrent;
using EventBus.Diagnostics;
using Microsoft.Extensions.Logging;

namespace EventBus.Sagas;

/// <summary>Arms one <see cref="TimeProvider"/> timer per pending saga timeout and publishes the timeout's event on
/// the bus when it is due. The store, not this class, is the record of pending timeouts: a timer lost with the process
/// is armed again from the store when the saga next starts.</summary>
internal sealed class SagaTimeoutScheduler : IDisposable
{
    private readonly string _sagaName;
    private readonly IEventBus _bus;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, ITimer> _timers = new(StringComparer.Ordinal);

    // Timeouts published and not yet taken off their instance: arming them again (recovery racing the timer) would
    // publish them twice.
    private readonly ConcurrentDictionary<string, byte> _fired = new(StringComparer.Ordinal);
    private volatile bool _disposed;

    public SagaTimeoutScheduler(string sagaName, IEventBus bus, TimeProvider timeProvider, ILogger logger)
    {
        _sagaName = sagaName;
        _bus = bus;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public int Count => _timers.Count;

    /// <summary>Arms a timer for <paramref name="timeout"/> unless one is armed already.</summary>
    /// <returns><see langword="true"/> if a timer was armed; otherwise, <see langword="false"/>.</returns>
    public bool Arm(SagaTimeout timeout)
    {
        if (_disposed || _timers.ContainsKey(timeout.Id) || _fired.ContainsKey(timeout.Id))
        {
            return false;
        }

        var due = timeout.DueTime - _timeProvider.GetUtcNow();
        if (due < TimeSpan.Zero)
        {
            due = TimeSpan.Zero;
        }

        ITimer timer;

        // The timer must not capture the handler's execution context: the event it publishes names its own cause.
        using (ExecutionContext.SuppressFlow())
        {
            timer = _timeProvider.CreateTimer(static state => ((Pending)state!).Fire(), new Pending(this, timeout), Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        if (!_timers.TryAdd(timeout.Id, timer))
        {
            timer.Dispose();
            return false;
        }

        Log.SagaTimeoutScheduled(_logger, _sagaName, timeout.Name, timeout.Id, timeout.DueTime);
        timer.Change(due, Timeout.InfiniteTimeSpan);
        return true;
    }

    public void Cancel(string timeoutId)
    {
        _fired.TryRemove(timeoutId, out _);
        if (_timers.TryRemove(timeoutId, out var timer))
        {
            timer.Dispose();
        }
    }

    public void Dispose()
    {
        _disposed = true;
        foreach (var id in _timers.Keys)
        {
            Cancel(id);
        }
    }

    private async Task PublishAsync(SagaTimeout timeout)
    {
        if (!_timers.TryRemove(timeout.Id, out var timer))
        {
            return; // cancelled meanwhile
        }

        _fired.TryAdd(timeout.Id, 0);

        await timer.DisposeAsync().ConfigureAwait(false);
        try
        {
            Log.SagaTimeoutFired(_logger, _sagaName, timeout.Name, timeout.Id);
            await _bus.PublishAsync(timeout.Event, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Not lost: the timeout stays pending with the instance and is armed again when the saga next starts.
            _fired.TryRemove(timeout.Id, out _);
            Log.SagaTimeoutPublishFailed(_logger, _sagaName, timeout.Name, timeout.Id, ex);
        }
    }

    private sealed class Pending(SagaTimeoutScheduler owner, SagaTimeout timeout)
    {
        public void Fire() => _ = owner.PublishAsync(timeout);
    }
}
