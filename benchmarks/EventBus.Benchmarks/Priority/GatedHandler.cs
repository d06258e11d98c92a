using System.Diagnostics;
using EventBus.Benchmarks.Support;

namespace EventBus.Benchmarks.Priority;

/// <summary>
/// A subscriber whose first event blocks at a gate, so a backlog of exactly the published size builds up behind it;
/// then it signals when the High event starts and when the Low backlog is drained.
/// </summary>
public sealed class GatedHandler
{
    public const int GateSequence = -1;

    // Far beyond any honest result: only a High event that never arrives (a bug) gets here.
    private static readonly TimeSpan HighStartTimeout = TimeSpan.FromSeconds(30);

    private TaskCompletionSource _gateEntered = NewSignal();
    private TaskCompletionSource _gate = NewSignal();
    private TaskCompletionSource _lowDrained = NewSignal();
    private long _highStartedAt;
    private int _lowEvents;
    private int _lowRemaining;
    private int _lowsBeforeHigh = -1;

    public Task GateEntered => _gateEntered.Task;

    public Task LowDrained => _lowDrained.Task;

    /// <summary>Gets how many Low events were handled before the High one (-1 until it was handled).</summary>
    public int LowsBeforeHigh => Volatile.Read(ref _lowsBeforeHigh);

    /// <summary>
    /// Busy-waits, on the calling thread, until the High event's handler has started.
    /// </summary>
    /// <remarks>
    /// A spin, not a blocking wait, on purpose. The handler's worker goes on draining the Low backlog right after the
    /// High event, so a blocked waiter (an event, a task) must be woken by a thread that keeps its core busy, and the
    /// OS scheduler ran that woken thread only milliseconds later — longer the longer the drain lasted — which was
    /// measured as High latency although the High handler had started within microseconds. A spinning waiter is
    /// already running and sees the handler's timestamp store directly; every wake-up the bus itself needs (its
    /// worker resuming after the gate) stays inside the measured time.
    /// </remarks>
    public void WaitForHighStarted()
    {
        var spins = 0;
        var deadline = Stopwatch.GetTimestamp() + (long)(HighStartTimeout.TotalSeconds * Stopwatch.Frequency);
        while (Volatile.Read(ref _highStartedAt) == 0)
        {
            Thread.SpinWait(1);
            if (++spins % 4096 == 0 && Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"The High event's handler did not start within {HighStartTimeout}.");
            }
        }
    }

    public void Arm(int lowEvents)
    {
        _gateEntered = NewSignal();
        _gate = NewSignal();
        _lowDrained = NewSignal();
        Volatile.Write(ref _highStartedAt, 0);
        _lowEvents = lowEvents;
        _lowRemaining = lowEvents;
        _lowsBeforeHigh = -1;
    }

    public void OpenGate() => _gate.TrySetResult();

    public ValueTask HandleAsync(Event @event, CancellationToken cancellationToken)
    {
        if (@event.Priority == EventPriority.High)
        {
            var startedAt = Stopwatch.GetTimestamp();
            Volatile.Write(ref _lowsBeforeHigh, _lowEvents - Volatile.Read(ref _lowRemaining));
            Volatile.Write(ref _highStartedAt, startedAt);
            return default;
        }

        if (@event.Payload is BenchPayload { Sequence: GateSequence })
        {
            _gateEntered.TrySetResult();
            return new ValueTask(_gate.Task);
        }

        if (Interlocked.Decrement(ref _lowRemaining) == 0)
        {
            _lowDrained.TrySetResult();
        }

        return default;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
