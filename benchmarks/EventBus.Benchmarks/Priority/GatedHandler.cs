using EventBus.Benchmarks.Support;

namespace EventBus.Benchmarks.Priority;

/// <summary>
/// A subscriber whose first event blocks at a gate, so a backlog of exactly the published size builds up behind it;
/// then it signals when the High event starts and when the Low backlog is drained.
/// </summary>
public sealed class GatedHandler
{
    public const int GateSequence = -1;

    private TaskCompletionSource _gateEntered = NewSignal();
    private TaskCompletionSource _gate = NewSignal();
    // A kernel-backed event, not a task: the waiting benchmark thread is woken directly, without needing a free
    // thread-pool thread (the subscriber's worker keeps its thread busy draining the backlog right after the High).
    private readonly ManualResetEventSlim _highStarted = new();
    private TaskCompletionSource _lowDrained = NewSignal();
    private int _lowRemaining;

    public Task GateEntered => _gateEntered.Task;

    /// <summary>Blocks until the High event's handler has started.</summary>
    public void WaitForHighStarted() => _highStarted.Wait();

    public Task LowDrained => _lowDrained.Task;

    public void Arm(int lowEvents)
    {
        _gateEntered = NewSignal();
        _gate = NewSignal();
        _highStarted.Reset();
        _lowDrained = NewSignal();
        _lowRemaining = lowEvents;
    }

    public void OpenGate() => _gate.TrySetResult();

    public ValueTask HandleAsync(Event @event, CancellationToken cancellationToken)
    {
        if (@event.Priority == EventPriority.High)
        {
            _highStarted.Set();
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
