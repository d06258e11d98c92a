using System.Diagnostics;
using System.Threading.Tasks.Sources;

namespace EventBus.Benchmarks.Support;

/// <summary>
/// Measures publish → handler start for one event at a time: <see cref="Start"/> stamps the publish time and returns
/// a wait that completes when the handler calls <see cref="Delivered"/>, which records the elapsed ticks.
/// </summary>
/// <remarks>Keeps the most recent <see cref="Capacity"/> samples, so warm-up samples age out during the workload.</remarks>
public sealed class LatencyProbe : IDeliveryObserver, IValueTaskSource
{
    public const int Capacity = 200_000;

    private readonly long[] _samples = new long[Capacity];
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    private long _publishedAt;
    private long _recorded;

    public ValueTask Start()
    {
        _core.Reset();
        Volatile.Write(ref _publishedAt, Stopwatch.GetTimestamp());
        return new ValueTask(this, _core.Version);
    }

    public void Delivered(int subscriber)
    {
        var elapsed = Stopwatch.GetTimestamp() - Volatile.Read(ref _publishedAt);
        _samples[_recorded++ % Capacity] = elapsed;
        _core.SetResult(true);
    }

    /// <summary>Gets the latency at <paramref name="percentile"/> (0–100) in nanoseconds over the kept samples.</summary>
    public LatencySummary Summarize()
    {
        var count = (int)Math.Min(_recorded, Capacity);
        var sorted = _samples.AsSpan(0, count).ToArray();
        Array.Sort(sorted);
        double At(double percentile) =>
            count == 0 ? double.NaN : sorted[Math.Min(count - 1, (int)Math.Ceiling(percentile / 100 * count) - 1)] * 1e9 / Stopwatch.Frequency;
        return new LatencySummary(At(50), At(99), count);
    }

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
