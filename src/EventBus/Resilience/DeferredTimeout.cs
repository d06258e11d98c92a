using Polly.Timeout;

namespace EventBus.Resilience;

/// <summary>
/// A time limit whose timer starts only when the work it guards goes asynchronous. Work that completes synchronously
/// pays for no timer and no link to the outer token; once armed, the timer gets what is left of the limit, measured
/// from its start. Polly's own timeout arms and disarms a timer per execution, which cost more than the rest
/// of the pipeline together.
/// </summary>
/// <remarks>
/// Cancellation is cooperative either way; the one difference from an eagerly armed timer is that a handler which never
/// yields cannot see its token cancelled by polling it.
/// </remarks>
internal struct DeferredTimeout
{
    private static readonly Action<object?> CancelSourceOnOuter = static state => ((CancellationTokenSource)state!).Cancel();
    private static readonly TimerCallback CancelSourceOnTimer = static state => ((CancellationTokenSource)state!).Cancel();

    private readonly TimeoutSources _sources;
    private readonly TimeoutSlot _slot;
    private readonly CancellationToken _outer;
    private readonly CancellationTokenSource _source;
    private readonly TimeProvider _timeProvider;
    private readonly long _started;
    private ITimer? _timer;
    private CancellationTokenRegistration _link;
    private bool _armed;

    private DeferredTimeout(TimeoutSources sources, TimeoutSlot slot, CancellationToken outer, TimeProvider timeProvider, long started)
    {
        _sources = sources;
        _slot = slot;
        _outer = outer;
        _timeProvider = timeProvider;
        _source = sources.Rent(slot);
        if (outer.IsCancellationRequested)
        {
            _source.Cancel();
        }

        _started = started;
    }

    /// <summary>Gets whether this limit applies (a default instance does not).</summary>
    public readonly bool IsActive => _sources is not null;

    /// <summary>Gets the token the guarded work must observe: cancelled by the limit or by the outer token.</summary>
    public readonly CancellationToken Token => _source.Token;

    /// <summary>Gets the timestamp (of the limit's <see cref="TimeProvider"/>) the limit is measured from.</summary>
    public readonly long Started => _started;

    /// <summary>Starts a limit now: takes the slot's source; nothing is armed yet.</summary>
    public static DeferredTimeout Start(TimeoutSources sources, TimeoutSlot slot, CancellationToken outer, TimeProvider timeProvider) =>
        new(sources, slot, outer, timeProvider, timeProvider.GetTimestamp());

    /// <summary>Starts a limit measured from an earlier <paramref name="started"/> timestamp: armed, its timer gets what
    /// is left from then.</summary>
    public static DeferredTimeout Start(TimeoutSources sources, TimeoutSlot slot, CancellationToken outer, TimeProvider timeProvider, long started) =>
        new(sources, slot, outer, timeProvider, started);

    /// <summary>The guarded work went asynchronous: links the outer token and starts the timer for what is left.</summary>
    public void Arm(TimeSpan limit)
    {
        _armed = true;
        _link = _outer.UnsafeRegister(CancelSourceOnOuter, _source);
        var remaining = limit - _timeProvider.GetElapsedTime(_started);
        if (remaining <= TimeSpan.Zero)
        {
            _source.Cancel();
            return;
        }

        using (ExecutionContext.SuppressFlow())
        {
            _timer = _timeProvider.CreateTimer(CancelSourceOnTimer, _source, remaining, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Ends the limit and returns its source; gives a <see cref="TimeoutRejectedException"/> in place of the
    /// cancellation the limit caused, and any other exception unchanged.</summary>
    public Exception? End(Exception? exception, TimeSpan limit)
    {
        _link.Dispose();
        _timer?.Dispose();
        var timedOut = _source.IsCancellationRequested && !_outer.IsCancellationRequested;
        _sources.Return(_slot, _source, _armed);
        return timedOut && exception is OperationCanceledException cancelled
            ? new TimeoutRejectedException($"The operation didn't complete within the allowed timeout of '{limit}'.", limit, cancelled)
            : exception;
    }
}
