using EventBus.Diagnostics;
using EventBus.EventStore.Serialization;
using Microsoft.Extensions.Logging;

namespace EventBus.EventStore.Projections;

/// <summary>Feeds one projection from the global log, from its checkpoint, one catch-up at a time.</summary>
/// <remarks>Every path that applies events (inline after an append, the background loop, a rebuild) goes through
/// the same gate, so events reach the projection once each, in position order, whoever triggers the catch-up.</remarks>
internal sealed class ProjectionRunner
{
    private const long NotLoaded = -1;

    private readonly IProjection _projection;
    private readonly TopicPattern _filter;
    private readonly IEventStore _store;
    private readonly UnreadableEvents _serializer;
    private readonly ICheckpointStore _checkpoints;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Lock _waitersLock = new();
    private readonly List<(long Position, TaskCompletionSource Reached)> _waiters = [];
    private long _position = NotLoaded;
    private IProcessorLease? _lease;

    public ProjectionRunner(string name, IProjection projection, ProjectionOptions options, IEventStore store, UnreadableEvents serializer, ICheckpointStore checkpoints, TimeProvider timeProvider, ILogger logger)
    {
        Name = name;
        Options = options;
        _projection = projection;
        _filter = TopicPattern.Parse(options.EventTypes);
        _store = store;
        _serializer = serializer;
        _checkpoints = checkpoints;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public string Name { get; }

    public ProjectionOptions Options { get; }

    public IProjection Projection => _projection;

    public async ValueTask<long> GetPositionAsync(CancellationToken cancellationToken) => await EnsureLoadedAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>Starts a term under <paramref name="lease"/>: the position is reloaded from the checkpoint (another
    /// instance may have moved it, or rebuilt the projection) and checkpoints are written through the lease, fenced,
    /// until <see cref="EndTerm"/>.</summary>
    public async ValueTask BeginTermAsync(IProcessorLease lease, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var stored = await _checkpoints.LoadAsync(Name, cancellationToken).ConfigureAwait(false) ?? 0;
            Publish(stored);
            Volatile.Write(ref _lease, lease);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Ends the term of <paramref name="lease"/>: checkpoints are no longer written through it.</summary>
    public void EndTerm(IProcessorLease lease) => Interlocked.CompareExchange(ref _lease, null, lease);

    /// <summary>While another instance holds the lease, follows the checkpoint it writes, so that waiters for a
    /// position on this instance are released as that instance gets there.</summary>
    public async Task FollowAsync(CancellationToken cancellationToken)
    {
        var stored = await _checkpoints.LoadAsync(Name, cancellationToken).ConfigureAwait(false) ?? 0;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _lease) is null && stored > Volatile.Read(ref _position))
            {
                Publish(stored);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask CatchUpAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await CatchUpLockedAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask RebuildAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Log.ProjectionRebuilding(_logger, Name);
            await _projection.ResetAsync(cancellationToken).ConfigureAwait(false);
            await _checkpoints.SaveAsync(Name, 0, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _position, 0);
            await CatchUpLockedAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask WaitForPositionAsync(long position, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (Options.Mode == ProjectionMode.Inline)
        {
            // Inline projections have no background loop: the waiter does the work.
            await CatchUpAsync(cancellationToken).ConfigureAwait(false);
        }

        await EnsureLoadedAsync(cancellationToken).ConfigureAwait(false);
        TaskCompletionSource reached;
        lock (_waitersLock)
        {
            if (Volatile.Read(ref _position) >= position)
            {
                return;
            }

            reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((position, reached));
        }

        try
        {
            await reached.Task.WaitAsync(timeout, _timeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            RemoveWaiter(reached);
            throw new TimeoutException(
                $"Projection '{Name}' did not reach global position {position} within {timeout}; it is at {Volatile.Read(ref _position)}.", ex);
        }
        catch (OperationCanceledException)
        {
            RemoveWaiter(reached);
            throw;
        }
    }

    private async ValueTask<long> EnsureLoadedAsync(CancellationToken cancellationToken)
    {
        var position = Volatile.Read(ref _position);
        if (position != NotLoaded)
        {
            return position;
        }

        var stored = await _checkpoints.LoadAsync(Name, cancellationToken).ConfigureAwait(false) ?? 0;
        var previous = Interlocked.CompareExchange(ref _position, stored, NotLoaded);
        return previous == NotLoaded ? stored : previous;
    }

    private async ValueTask CatchUpLockedAsync(CancellationToken cancellationToken)
    {
        var position = await EnsureLoadedAsync(cancellationToken).ConfigureAwait(false);
        var saved = position;
        var head = await _store.GetHeadPositionAsync(cancellationToken).ConfigureAwait(false);
        if (head <= position)
        {
            return;
        }

        try
        {
            var sinceSave = 0;
            await foreach (var record in _store.ReadAllAsync(position + 1, head - position, cancellationToken).ConfigureAwait(false))
            {
                if (record.Position > head)
                {
                    break;
                }

                // An event the projection cannot read is dead-lettered under its name, and the projection moves on.
                if (_filter.IsMatch(record.EventType) && await _serializer.TryReadAsync(record, Name).ConfigureAwait(false) is { } stored)
                {
                    await _projection.ApplyAsync(stored, cancellationToken).ConfigureAwait(false);
                }

                position = record.Position;
                if (++sinceSave >= Options.BatchSize)
                {
                    await SaveAsync(position, cancellationToken).ConfigureAwait(false);
                    saved = position;
                    sinceSave = 0;
                }
            }

            // Step over pruned positions at the tail too.
            position = head;
            await SaveAsync(position, cancellationToken).ConfigureAwait(false);
            Log.ProjectionCaughtUp(_logger, Name, position);
        }
        catch (Exception ex) when (ex is not ProcessorLeaseLostException)
        {
            if (position > saved)
            {
                // Keep the progress made before the failure, so the retry does not apply those events twice.
                await SaveAsync(position, CancellationToken.None).ConfigureAwait(false);
            }

            if (ex is not OperationCanceledException)
            {
                Log.ProjectionFailed(_logger, Name, position + 1, ex);
            }

            throw;
        }
    }

    private async ValueTask SaveAsync(long position, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _lease) is { } lease)
        {
            // Fenced: refused once another instance has taken the projection over.
            await lease.SaveCheckpointAsync(position, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await _checkpoints.SaveAsync(Name, position, cancellationToken).ConfigureAwait(false);
        }

        Publish(position);
    }

    /// <summary>Records the position the projection is at and releases the waiters it satisfies.</summary>
    private void Publish(long position)
    {
        lock (_waitersLock)
        {
            Volatile.Write(ref _position, position);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Position <= position)
                {
                    _waiters[i].Reached.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    private void RemoveWaiter(TaskCompletionSource reached)
    {
        lock (_waitersLock)
        {
            _waiters.RemoveAll(w => w.Reached == reached);
        }
    }
}
