using EventBus.Diagnostics;
using Microsoft.Extensions.Logging;
using Polly.CircuitBreaker;

namespace EventBus.Resilience;

/// <summary>
/// The circuit breaker of one subscription: counts handler successes and failures in a sliding window of
/// <see cref="CircuitBreakerOptions.SamplingDuration"/> and opens when, with at least
/// <see cref="CircuitBreakerOptions.MinimumThroughput"/> attempts in the window, the failed share reaches
/// <see cref="CircuitBreakerOptions.FailureRatio"/>. After <see cref="CircuitBreakerOptions.BreakDuration"/> one attempt
/// probes the handler (half-open): its success closes the circuit, its failure opens it again.
/// </summary>
/// <remarks>
/// <para>The same rules as Polly's circuit breaker strategy, kept outside the pipeline so that a handler that succeeds
/// is reported with one atomic addition instead of a pipeline execution: the worker calls the handler directly
/// while the circuit is closed and engages the pipeline only after a failure (see
/// <see cref="SubscriptionResilience"/>).</para>
/// <para>The window is ten buckets of a tenth of the sampling duration each, like Polly's: a bucket is reused once it
/// has left the window. Every member is thread-safe (slots of one subscription share its circuit).</para>
/// </remarks>
internal sealed class Circuit
{
    private const int BucketCount = 10;

    private readonly Lock _lock = new();
    private readonly Bucket[] _buckets = new Bucket[BucketCount];
    private readonly double _failureRatio;
    private readonly int _minimumThroughput;
    private readonly TimeSpan _breakDuration;
    private readonly long _bucketTicks;
    private readonly long _origin;
    private readonly TimeProvider _timeProvider;
    private readonly string _subscriptionName;
    private readonly ILogger _logger;

    // The bucket of the last success counted without the lock, with the timestamps it spans: a success in the same
    // bucket as the one before (nearly every success under load) is counted without the division that finds it.
    private BucketSpan? _lastSpan;

    private volatile CircuitState _state = CircuitState.Closed;
    private long _blockedUntil;
    private bool _probing;

    public Circuit(CircuitBreakerOptions options, string subscriptionName, TimeProvider timeProvider, ILogger logger)
    {
        _failureRatio = options.FailureRatio;
        _minimumThroughput = options.MinimumThroughput;
        _breakDuration = options.BreakDuration;
        _timeProvider = timeProvider;
        _subscriptionName = subscriptionName;
        _logger = logger;
        _origin = timeProvider.GetTimestamp();

        // Timestamps tick at the provider's frequency; one bucket is a tenth of the sampling duration in those ticks.
        _bucketTicks = Math.Max(1, (long)(options.SamplingDuration.TotalSeconds * timeProvider.TimestampFrequency / BucketCount));
        for (var i = 0; i < BucketCount; i++)
        {
            _buckets[i].Number = -1;
        }
    }

    /// <summary>Gets the state of the circuit.</summary>
    public CircuitState State => _state;

    /// <summary>Gets whether the circuit lets every attempt through without asking (one volatile read).</summary>
    public bool IsClosed => _state == CircuitState.Closed;

    /// <summary>Asks to make an attempt: granted while closed, and to one probe once the break is over.</summary>
    /// <param name="retryAfter">When refused, how long until the break is over; <see langword="null"/> while another
    /// attempt is the probe.</param>
    public bool TryEnter(out TimeSpan? retryAfter)
    {
        retryAfter = null;
        if (_state == CircuitState.Closed)
        {
            return true;
        }

        var halfOpened = false;
        lock (_lock)
        {
            switch (_state)
            {
                case CircuitState.Closed:
                    return true;
                case CircuitState.Open:
                    var now = _timeProvider.GetTimestamp();
                    if (now < _blockedUntil)
                    {
                        retryAfter = _timeProvider.GetElapsedTime(now, _blockedUntil);
                        return false;
                    }

                    _state = CircuitState.HalfOpen;
                    _probing = true;
                    halfOpened = true;
                    break;
                default:
                    if (_probing)
                    {
                        return false;
                    }

                    _probing = true;
                    break;
            }
        }

        if (halfOpened)
        {
            Log.CircuitHalfOpened(_logger, _subscriptionName);
        }

        return true;
    }

    /// <summary>Records an attempt that did not fail (a probe that succeeds closes the circuit).</summary>
    /// <param name="now">A timestamp of the bus's <see cref="TimeProvider"/> from during the attempt.</param>
    public void OnSuccess(long now)
    {
        if (_state == CircuitState.Closed)
        {
            // The common case, without the lock: the bucket of this moment already exists, so counting is one atomic
            // addition. A bucket is reused only a whole window later and a reset only forgets counts, so a success
            // racing with either lands in a newer bucket or is forgotten: it can never count as a failure.
            var span = Volatile.Read(ref _lastSpan);
            if (span is null || now < span.Start || now >= span.End)
            {
                span = SpanOf(now);
                Volatile.Write(ref _lastSpan, span);
            }

            ref var bucket = ref _buckets[span.Number % BucketCount];
            if (Volatile.Read(ref bucket.Number) == span.Number)
            {
                Interlocked.Increment(ref bucket.Successes);
                return;
            }
        }

        var closed = false;
        lock (_lock)
        {
            if (_state == CircuitState.Closed)
            {
                Interlocked.Increment(ref CurrentBucket(now).Successes);
                return;
            }

            if (_state == CircuitState.HalfOpen)
            {
                _state = CircuitState.Closed;
                _probing = false;
                ResetWindow();
                closed = true;
            }
        }

        if (closed)
        {
            Log.CircuitClosed(_logger, _subscriptionName);
        }
    }

    /// <summary>Records a failed attempt; opens the circuit when the window's failure ratio reaches the threshold, or
    /// when the probe failed.</summary>
    public void OnFailure(Exception exception)
    {
        lock (_lock)
        {
            var now = _timeProvider.GetTimestamp();
            switch (_state)
            {
                case CircuitState.Closed:
                    CurrentBucket(now).Failures++;
                    var (successes, failures) = WindowTotals(now);
                    var throughput = successes + failures;
                    if (throughput < _minimumThroughput || (double)failures / throughput < _failureRatio)
                    {
                        return;
                    }

                    break;
                case CircuitState.HalfOpen:
                    break;
                default:
                    // Already open: an attempt that started before it opened changes nothing.
                    return;
            }

            _state = CircuitState.Open;
            _probing = false;
            _blockedUntil = now + (long)(_breakDuration.TotalSeconds * _timeProvider.TimestampFrequency);
            ResetWindow();
        }

        Log.CircuitOpened(_logger, _subscriptionName, _breakDuration, exception);
    }

    private ref Bucket CurrentBucket(long now)
    {
        var number = (now - _origin) / _bucketTicks;
        ref var bucket = ref _buckets[number % BucketCount];
        if (bucket.Number != number)
        {
            // Counts first, number last: a lock-free success that sees the new number counts into the emptied bucket.
            bucket.Successes = 0;
            bucket.Failures = 0;
            Volatile.Write(ref bucket.Number, number);
        }

        return ref bucket;
    }

    private BucketSpan SpanOf(long now)
    {
        var number = (now - _origin) / _bucketTicks;
        var start = _origin + (number * _bucketTicks);
        return new BucketSpan(number, start, start + _bucketTicks);
    }

    private (int Successes, int Failures) WindowTotals(long now)
    {
        var current = (now - _origin) / _bucketTicks;
        int successes = 0, failures = 0;
        foreach (ref readonly var bucket in _buckets.AsSpan())
        {
            if (bucket.Number > current - BucketCount)
            {
                successes += bucket.Successes;
                failures += bucket.Failures;
            }
        }

        return (successes, failures);
    }

    private void ResetWindow()
    {
        for (var i = 0; i < BucketCount; i++)
        {
            Volatile.Write(ref _buckets[i].Number, -1);
            _buckets[i].Successes = 0;
            _buckets[i].Failures = 0;
        }
    }

    /// <summary>A bucket's number and the timestamps it covers, from <paramref name="Start"/> up to, not including,
    /// <paramref name="End"/>.</summary>
    private sealed record BucketSpan(long Number, long Start, long End);

    /// <summary>The attempts of one tenth of the window.</summary>
    private struct Bucket
    {
        public long Number;
        public int Successes;
        public int Failures;
    }
}
