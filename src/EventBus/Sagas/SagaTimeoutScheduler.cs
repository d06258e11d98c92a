using System.Collections.Concurrent;
using System.Threading.Channels;
using EventBus.Diagnostics;
using Microsoft.Extensions.Logging;

namespace EventBus.Sagas;

/// <summary>Fires the due timeouts of one saga as stored work: it claims them from the saga store
/// (<see cref="ISagaStore.ClaimDueTimeoutsAsync"/>), publishes each claimed timeout's event, and when every
/// subscription finished with it completes the claim; a publish that failed, or a delivery the stopping bus cut short,
/// gives the claim back, so the timeout is fired again. Of several processes on one store, exactly one fires a
/// timeout while its claim holds.</summary>
/// <remarks>One <see cref="TimeProvider"/> timer wakes a single claiming loop: at the earliest due time this process
/// knows of (timeouts its own saves armed, or recovery found), and at least every
/// <see cref="SagaOptions.TimeoutPollInterval"/> for timeouts armed by other processes, given back, or whose claim
/// lapsed.</remarks>
internal sealed class SagaTimeoutScheduler : IAsyncDisposable
{
    private readonly string _sagaName;
    private readonly ISagaStore _store;
    private readonly IAcknowledgingPublisher _publisher;
    private readonly TimeProvider _timeProvider;
    private readonly SagaOptions _options;
    private readonly ILogger _logger;
    private readonly string _claimant = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
    private readonly Lock _lock = new();

    // Timeouts this process knows of, by id, with their due time: the timer is set for the earliest.
    private readonly Dictionary<string, DateTimeOffset> _known = new(StringComparer.Ordinal);
    private readonly Channel<byte> _wake = Channel.CreateBounded<byte>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stopping = new();

    // Fired timeouts waiting for their outcomes before the claim is completed or given back.
    private readonly ConcurrentDictionary<Task, byte> _settling = new();
    private readonly ITimer _timer;
    private DateTimeOffset _nextWake = DateTimeOffset.MaxValue;
    private Task? _loop;
    private bool _disposed;

    public SagaTimeoutScheduler(string sagaName, ISagaStore store, IAcknowledgingPublisher publisher, TimeProvider timeProvider, SagaOptions options, ILogger logger)
    {
        _sagaName = sagaName;
        _store = store;
        _publisher = publisher;
        _timeProvider = timeProvider;
        _options = options;
        _logger = logger;

        // The timer must not capture the handler's execution context: the events it publishes name their own cause.
        using (ExecutionContext.SuppressFlow())
        {
            _timer = timeProvider.CreateTimer(static state => ((SagaTimeoutScheduler)state!)._wake.Writer.TryWrite(0), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Gets how many pending timeouts this process knows of and has not tried to claim yet.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _known.Count;
            }
        }
    }

    /// <summary>Gets a task that completes once every timeout fired so far has reached its outcomes and its claim was
    /// completed or given back.</summary>
    public Task Settled => Task.WhenAll(_settling.Keys);

    /// <summary>Gets the name this process claims timeouts under.</summary>
    public string Claimant => _claimant;

    /// <summary>Starts the claiming loop, with a first claim right away (timeouts that fell due while no process ran).</summary>
    public void Start()
    {
        lock (_lock)
        {
            if (_loop is not null || _disposed)
            {
                return;
            }

            using (ExecutionContext.SuppressFlow())
            {
                _loop = Task.Run(LoopAsync);
            }

            _wake.Writer.TryWrite(0);
        }
    }

    /// <summary>Notes a pending timeout, so the timer wakes the loop when it is due.</summary>
    /// <returns><see langword="true"/> if it was new to this process; otherwise, <see langword="false"/>.</returns>
    public bool Arm(SagaTimeout timeout)
    {
        lock (_lock)
        {
            if (_disposed || !_known.TryAdd(timeout.Id, timeout.DueTime))
            {
                return false;
            }

            if (timeout.DueTime < _nextWake)
            {
                SetTimer(timeout.DueTime);
            }
        }

        Log.SagaTimeoutScheduled(_logger, _sagaName, timeout.Name, timeout.Id, timeout.DueTime);
        return true;
    }

    /// <summary>Forgets a timeout a save dropped; the store no longer hands it out.</summary>
    public void Cancel(string timeoutId)
    {
        lock (_lock)
        {
            _known.Remove(timeoutId);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task? loop;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _known.Clear();
            loop = _loop;
        }

        await _timer.DisposeAsync().ConfigureAwait(false);
        _wake.Writer.TryComplete();
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (loop is not null)
        {
            await loop.ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    // Under _lock.
    private void SetTimer(DateTimeOffset wake)
    {
        if (_disposed)
        {
            return;
        }

        _nextWake = wake;
        var due = wake - _timeProvider.GetUtcNow();
        _timer.Change(due < TimeSpan.Zero ? TimeSpan.Zero : due, Timeout.InfiniteTimeSpan);
    }

    private async Task LoopAsync()
    {
        var cancellationToken = _stopping.Token;
        try
        {
            while (await _wake.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                _wake.Reader.TryRead(out _);
                var now = _timeProvider.GetUtcNow();
                List<string> due;
                lock (_lock)
                {
                    due = [.. _known.Where(pair => pair.Value <= now).Select(pair => pair.Key)];
                }

                await ClaimAndFireAsync(now, cancellationToken).ConfigureAwait(false);

                lock (_lock)
                {
                    // Claimed here, or by another process, or gone: either way the store has them now. Timeouts armed
                    // during this round stay known and set the timer.
                    foreach (var id in due)
                    {
                        _known.Remove(id);
                    }

                    var next = now + _options.TimeoutPollInterval;
                    foreach (var dueTime in _known.Values)
                    {
                        if (dueTime < next)
                        {
                            next = dueTime;
                        }
                    }

                    SetTimer(next);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Disposed.
        }
    }

    private async Task ClaimAndFireAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var claims = await _store.ClaimDueTimeoutsAsync(_sagaName, now, _claimant, _options.TimeoutClaimDuration, SagaConstants.TimeoutClaimBatchSize, cancellationToken)
                    .ConfigureAwait(false);
                foreach (var claim in claims)
                {
                    await FireAsync(claim, cancellationToken).ConfigureAwait(false);
                }

                if (claims.Count < SagaConstants.TimeoutClaimBatchSize)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.SagaTimeoutClaimFailed(_logger, _sagaName, ex);
        }
    }

    private async ValueTask FireAsync(SagaTimeoutClaim claim, CancellationToken cancellationToken)
    {
        var timeout = claim.Timeout;
        DeliveryReceipt receipt;
        try
        {
            Log.SagaTimeoutFired(_logger, _sagaName, timeout.Name, timeout.Id);
            receipt = await _publisher.PublishAsync(timeout.Event, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Not lost: given back, it is claimed and fired again with the next poll (by this process or another).
            Log.SagaTimeoutPublishFailed(_logger, _sagaName, timeout.Name, timeout.Id, ex);
            await SettleAsync(claim, fired: false).ConfigureAwait(false);
            return;
        }

        // The outcomes are awaited in the background: the saga's own handler may be queued behind this loop's wake-up.
        var settling = SettleWhenFinishedAsync(claim, receipt);
        _settling.TryAdd(settling, 0);
        _ = settling.ContinueWith(static (done, state) => ((ConcurrentDictionary<Task, byte>)state!).TryRemove(done, out _), _settling, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private async Task SettleWhenFinishedAsync(SagaTimeoutClaim claim, DeliveryReceipt receipt)
    {
        // Never faults; a bus that stopped first reports the delivery as interrupted.
        var outcomes = await receipt.Outcomes.ConfigureAwait(false);
        await SettleAsync(claim, fired: outcomes.All(o => o.IsFinal)).ConfigureAwait(false);
    }

    private async ValueTask SettleAsync(SagaTimeoutClaim claim, bool fired)
    {
        try
        {
            if (fired)
            {
                await _store.CompleteTimeoutAsync(claim, CancellationToken.None).ConfigureAwait(false);
            }
            else
            {
                await _store.ReleaseTimeoutAsync(claim, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            // The claim lapses on its own; the saga ignores a timeout event it already handled.
            Log.SagaTimeoutNotSettled(_logger, _sagaName, claim.Timeout.Name, claim.Timeout.Id, ex);
        }
    }
}
