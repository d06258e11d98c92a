using System.Runtime.InteropServices;

namespace EventBus.Benchmarks.Support;

/// <summary>
/// Completes once every subscriber's handler has run for every published event, so a measurement counts delivered
/// events, not merely enqueued ones.
/// </summary>
/// <remarks>Each subscriber counts on its own cache line; only the last delivery of a subscriber touches shared state.</remarks>
public sealed class DeliveryCountdown : IDeliveryObserver
{
    private readonly PaddedCounter[] _counters;
    private long _target;
    private int _remaining;
    private TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public DeliveryCountdown(int subscribers) => _counters = new PaddedCounter[subscribers];

    public int Subscribers => _counters.Length;

    /// <summary>Starts a round: completes when each subscriber has handled <paramref name="eventsPerSubscriber"/> events.</summary>
    public Task Arm(int eventsPerSubscriber)
    {
        for (var i = 0; i < _counters.Length; i++)
        {
            _counters[i].Value = 0;
        }

        _target = eventsPerSubscriber;
        Volatile.Write(ref _remaining, _counters.Length);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _done, done);
        return done.Task;
    }

    public void Delivered(int subscriber)
    {
        // Interlocked because some peers run one subscriber's handler on several threads at once.
        if (Interlocked.Increment(ref _counters[subscriber].Value) == _target && Interlocked.Decrement(ref _remaining) == 0)
        {
            _done.TrySetResult();
        }
    }

    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct PaddedCounter
    {
        [FieldOffset(64)]
        public long Value;
    }
}
