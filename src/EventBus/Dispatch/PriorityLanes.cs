using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using EventBus.Internal;

namespace EventBus.Dispatch;

/// <summary>
/// The queue of one subscription: one lane per priority, a shared capacity, an overflow policy, and weighted
/// round-robin reading (High 10 : Normal 5 : Low 1 while all lanes are backlogged; an empty lane gives its turn away).
/// </summary>
/// <remarks>
/// One reader (the subscription's dispatcher) and any number of writers. The lanes are lock-free queues with this
/// class's own capacity count and wake-up signal: a <see cref="Channel{T}"/> would add a lock per write and a second
/// count for what this class already tracks. Completion is race-free through the count: a writer takes its slot before
/// it checks for completion, so the reader, once completed, finishes only when every taken slot was read or given back.
/// </remarks>
internal sealed class PriorityLanes
{
    private const int HighLane = 0;
    private const int NormalLane = 1;
    private const int LowLane = 2;

    // Padding both sides by a line each covers adjacent-line prefetching as well as the 64-byte line itself.
    private const int CacheLine = 64;

    private static readonly int[] Weights = [(int)EventPriority.High, (int)EventPriority.Normal, (int)EventPriority.Low];

    private readonly ConcurrentQueue<Event> _high = new();
    private readonly ConcurrentQueue<Event> _normal = new();
    private readonly ConcurrentQueue<Event> _low = new();
    private readonly string _subscriptionName;
    private readonly AsyncAutoResetSignal _readable = new();
    private TaskCompletionSource _spaceFreed = NewSpaceSignal();

    // The queued count is split so that writers and the reader never write the same cache line per event: writers
    // take slots on their line (_writer.Slots, with a possibly stale copy of _reader's count in _writer.KnownFreed),
    // the one reader frees slots on its own line (_reader.Slots). Writers read the reader's line only when their stale
    // copy says the lanes are full, so a publisher and a worker on different cores do not bounce a counter per event.
    private WriterCounters _writer;
    private ReaderState _reader = new() { HighCredit = Weights[HighLane], NormalCredit = Weights[NormalLane], LowCredit = Weights[LowLane] };
    private int _spaceWaiters;
    private volatile bool _completed;

    public PriorityLanes(string subscriptionName, int capacity, OverflowPolicy policy)
    {
        _subscriptionName = subscriptionName;
        Capacity = capacity;
        Policy = policy;
    }

    public int Capacity { get; }

    public OverflowPolicy Policy { get; }

    /// <summary>Gets the number of queued events across all lanes.</summary>
    public int Count
    {
        get
        {
            // Freed first: a slot is freed only after it was taken, so this order never yields a negative count.
            var freed = Volatile.Read(ref _reader.Slots);
            return (int)(Volatile.Read(ref _writer.Slots) - freed);
        }
    }

    public bool IsCompleted => _completed;

    /// <summary>Queues an event, applying the overflow policy when the lanes are full.</summary>
    /// <returns><see langword="null"/> when accepted without loss; otherwise the event that was dropped to honour
    /// the policy (the incoming one or the oldest queued one), for the caller to dead-letter.</returns>
    /// <exception cref="ChannelClosedException">The lanes no longer accept events.</exception>
    /// <exception cref="SubscriptionOverflowException">The lanes are full and the policy is <see cref="OverflowPolicy.Fail"/>.</exception>
    public ValueTask<Event?> EnqueueAsync(Event @event, CancellationToken cancellationToken)
    {
        if (TryReserve())
        {
            Write(@event);
            return default;
        }

        return OverflowAsync(@event, cancellationToken);
    }

    /// <summary>Takes the next event by weighted round robin.</summary>
    /// <remarks>Unrolled over the three lanes: this runs once per delivered event.</remarks>
    public bool TryRead([NotNullWhen(true)] out Event? @event)
    {
        ref var state = ref _reader;
        var high = state.HighCredit > 0;
        if (high && _high.TryDequeue(out @event))
        {
            state.HighCredit--;
            OnDequeued();
            return true;
        }

        var normal = state.NormalCredit > 0;
        if (normal && _normal.TryDequeue(out @event))
        {
            state.NormalCredit--;
            OnDequeued();
            return true;
        }

        var low = state.LowCredit > 0;
        if (low && _low.TryDequeue(out @event))
        {
            state.LowCredit--;
            OnDequeued();
            return true;
        }

        // Every lane that still had credit is empty: start a new round so the others may go again. The lanes just
        // found empty are not probed again; an event that lands in one meanwhile is taken by the next call.
        state.HighCredit = Weights[HighLane];
        state.NormalCredit = Weights[NormalLane];
        state.LowCredit = Weights[LowLane];
        if (!high && _high.TryDequeue(out @event))
        {
            state.HighCredit--;
            OnDequeued();
            return true;
        }

        if (!normal && _normal.TryDequeue(out @event))
        {
            state.NormalCredit--;
            OnDequeued();
            return true;
        }

        if (!low && _low.TryDequeue(out @event))
        {
            state.LowCredit--;
            OnDequeued();
            return true;
        }

        @event = null;
        return false;
    }

    /// <summary>Waits until an event can be read; false once the lanes are completed and every accepted event was read.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> WaitToReadAsync()
    {
        while (true)
        {
            if (HasItems())
            {
                return true;
            }

            if (_completed)
            {
                // A writer that took its slot before completion may still be writing its event: it either writes it
                // or gives the slot back promptly (it checks for completion right after taking it). Wait for that.
                Interlocked.MemoryBarrier();
                if (Count == 0)
                {
                    return HasItems();
                }

                await Task.Yield();
                continue;
            }

            await _readable.WaitAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Stops accepting events; queued events stay readable.</summary>
    public void Complete()
    {
        _completed = true;
        Interlocked.MemoryBarrier();
        _readable.Set();
        ReleaseSpaceWaiters();
    }

    private static TaskCompletionSource NewSpaceSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ConcurrentQueue<Event> LaneOf(EventPriority priority) => priority switch
    {
        EventPriority.High => _high,
        EventPriority.Low => _low,
        _ => _normal,
    };

    // IsEmpty, not TryPeek: peeking marks the queue's segment as observed, so its slots are never reused and every
    // event would allocate a fresh slot (16 bytes per event per subscription in steady state).
    private bool HasItems() => !_high.IsEmpty || !_normal.IsEmpty || !_low.IsEmpty;

    private bool TryReserve()
    {
        var taken = Volatile.Read(ref _writer.Slots);
        while (true)
        {
            // KnownFreed never exceeds the reader's true count, so passing this check with it proves there is room.
            if (taken - Volatile.Read(ref _writer.KnownFreed) >= Capacity)
            {
                var freed = Volatile.Read(ref _reader.Slots);
                Volatile.Write(ref _writer.KnownFreed, freed);
                if (taken - freed >= Capacity)
                {
                    return false;
                }
            }

            var seen = Interlocked.CompareExchange(ref _writer.Slots, taken + 1, taken);
            if (seen == taken)
            {
                return true;
            }

            taken = seen;
        }
    }

    /// <summary>Writes an event whose slot is already counted.</summary>
    /// <remarks>The slot was taken with a full fence (a compare-exchange), so this completion check cannot miss a
    /// completion the reader has seen; when it is completed, the slot is given back instead.</remarks>
    private void Write(Event @event)
    {
        if (_completed)
        {
            Interlocked.Decrement(ref _writer.Slots);
            throw new ChannelClosedException();
        }

        LaneOf(@event.Priority).Enqueue(@event);
        _readable.Set();
    }

    private void OnDequeued()
    {
        // Only the one reader writes this counter, so a plain increment published by a volatile write suffices; the
        // store-then-load against _spaceWaiters is ordered by the barrier a waiting writer issues (WaitForSpaceAsync).
        Volatile.Write(ref _reader.Slots, _reader.Slots + 1);
        if (Volatile.Read(ref _spaceWaiters) != 0)
        {
            ReleaseSpaceWaiters();
        }
    }

    private void ReleaseSpaceWaiters() => Interlocked.Exchange(ref _spaceFreed, NewSpaceSignal()).TrySetResult();

    private async ValueTask<Event?> OverflowAsync(Event @event, CancellationToken cancellationToken)
    {
        switch (Policy)
        {
            case OverflowPolicy.Fail:
                throw new SubscriptionOverflowException(_subscriptionName, Capacity);
            case OverflowPolicy.DropNewest:
                return _completed ? throw new ChannelClosedException() : @event;
            case OverflowPolicy.DropOldest:
                return DropOldest(@event);
            default:
                await WaitForSpaceAsync(@event, cancellationToken).ConfigureAwait(false);
                return null;
        }
    }

    private Event? DropOldest(Event @event)
    {
        while (true)
        {
            if (_low.TryDequeue(out var oldest) || _normal.TryDequeue(out oldest) || _high.TryDequeue(out oldest))
            {
                // The slot of the dropped event passes to the incoming one: the count does not change.
                if (_completed)
                {
                    // Too late for the incoming event; the dequeued one keeps its slot and goes back to be delivered.
                    LaneOf(oldest.Priority).Enqueue(oldest);
                    _readable.Set();
                    throw new ChannelClosedException();
                }

                LaneOf(@event.Priority).Enqueue(@event);
                _readable.Set();
                return oldest;
            }

            // The reader emptied the lanes meanwhile; there may be room now.
            if (TryReserve())
            {
                Write(@event);
                return null;
            }

            if (_completed)
            {
                throw new ChannelClosedException();
            }
        }
    }

    private async ValueTask WaitForSpaceAsync(Event @event, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _spaceWaiters);
        try
        {
            while (true)
            {
                // Read the signal before trying: a slot freed after a failed try completes this signal or a later one.
                var spaceFreed = Volatile.Read(ref _spaceFreed);

                // The reader frees a slot with a plain store and then reads _spaceWaiters without a fence (it does so
                // per event). This process-wide barrier, paid only by a writer about to wait, is the other half: either
                // the reader sees our waiter count and releases us, or we see its freed slot here (asymmetric Dekker).
                Interlocked.MemoryBarrierProcessWide();
                if (TryReserve())
                {
                    Write(@event);
                    return;
                }

                if (_completed)
                {
                    throw new ChannelClosedException();
                }

                await spaceFreed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _spaceWaiters);
        }
    }

    /// <summary>The writers' counters, alone on their cache lines.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 3 * CacheLine)]
    private struct WriterCounters
    {
        /// <summary>Slots ever taken by writers.</summary>
        [FieldOffset(CacheLine)]
        public long Slots;

        /// <summary>A recent value of the reader's freed count, never ahead of it.</summary>
        [FieldOffset(CacheLine + sizeof(long))]
        public long KnownFreed;
    }

    /// <summary>What only the reader writes, per event: alone on its cache line.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 3 * CacheLine)]
    private struct ReaderState
    {
        /// <summary>Slots ever freed by the reader.</summary>
        [FieldOffset(CacheLine)]
        public long Slots;

        /// <summary>Turns left to the High lane in the current round.</summary>
        [FieldOffset(CacheLine + sizeof(long))]
        public int HighCredit;

        /// <summary>Turns left to the Normal lane in the current round.</summary>
        [FieldOffset(CacheLine + sizeof(long) + sizeof(int))]
        public int NormalCredit;

        /// <summary>Turns left to the Low lane in the current round.</summary>
        [FieldOffset(CacheLine + sizeof(long) + (2 * sizeof(int)))]
        public int LowCredit;
    }
}
