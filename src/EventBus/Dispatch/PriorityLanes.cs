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
/// <para>One reader (the subscription's worker or dispatcher) and any number of writers. A write is two steps:
/// <see cref="TryReserve"/> takes a slot of the capacity, <see cref="Commit"/> fills it. A publish that fans out to
/// several subscriptions reserves in all of them before it commits to any, so a full or closed subscription leaves
/// none with the event (<see cref="CancelReservation"/> gives a slot back).</para>
/// <para>The lanes are lock-free queues with this class's own capacity count and wake-up signal: a
/// <see cref="Channel{T}"/> would add a lock per write and a second count for what this class already tracks.
/// Completion is race-free through the count: a writer takes its slot before it checks for completion, so a reservation
/// made before completion is always committed, and the completed reader finishes only once every such slot was
/// filled and read, or given back.</para>
/// <para>A slot is freed when its event is read, or — for a reader that holds events before handling them (ordering
/// keys with <c>MaxConcurrency</c> above 1) — when the reader calls <see cref="Release"/>.</para>
/// </remarks>
internal sealed class PriorityLanes
{
    private const int HighLane = 0;
    private const int NormalLane = 1;
    private const int LowLane = 2;

    // Padding both sides by a line each covers adjacent-line prefetching as well as the 64-byte line itself.
    private const int CacheLine = 64;

    private static readonly int[] Weights = [(int)EventPriority.High, (int)EventPriority.Normal, (int)EventPriority.Low];

    private readonly ConcurrentQueue<Entry> _high = new();
    private readonly ConcurrentQueue<Entry> _normal = new();
    private readonly ConcurrentQueue<Entry> _low = new();
    private readonly string _subscriptionName;
    private readonly AsyncAutoResetSignal _readable = new();
    private readonly bool _freeOnRead;

    // DropOldest compares the heads of the lanes and takes one out; the reader takes the same lock so that what was
    // compared is what is taken. Subscriptions with other policies never touch it.
    private readonly Lock _evictLock = new();
    private TaskCompletionSource _spaceFreed = NewSpaceSignal();

    // The queued count is split so that writers and the reader never write the same cache line per event: writers
    // take slots on their line (_writer.Slots, with a possibly stale copy of the freed count in _writer.KnownFreed),
    // the reader frees slots on its own line (_reader.Slots). Writers read the reader's line only when their stale
    // copy says the lanes are full, so a publisher and a worker on different cores do not bounce a counter per event.
    private WriterCounters _writer;
    private ReaderState _reader = new() { HighCredit = Weights[HighLane], NormalCredit = Weights[NormalLane], LowCredit = Weights[LowLane] };
    // 1 while a writer may be waiting on the current _spaceFreed signal; cleared by whoever completes that signal, so
    // a released writer that has not resumed yet does not make the reader release (and allocate) again per event.
    private int _spaceWanted;
    private volatile bool _completed;

    // Writers waiting for room are woken when the count falls to this: three quarters of the capacity free.
    private readonly int _wakeWritersAt;

    /// <summary>Initializes the lanes.</summary>
    /// <param name="subscriptionName">The subscription, for messages.</param>
    /// <param name="capacity">How many events may be queued at once, across the lanes.</param>
    /// <param name="policy">What a writer does when the lanes are full.</param>
    /// <param name="freeOnRead">True to free an event's slot when it is read; false when the reader keeps events it
    /// has read in its own queues and frees each with <see cref="Release"/> when its handling starts.</param>
    public PriorityLanes(string subscriptionName, int capacity, OverflowPolicy policy, bool freeOnRead = true)
    {
        _subscriptionName = subscriptionName;
        Capacity = capacity;
        Policy = policy;
        _wakeWritersAt = capacity / 4;
        _freeOnRead = freeOnRead;
    }

    public int Capacity { get; }

    public OverflowPolicy Policy { get; }

    /// <summary>Gets the number of events holding a slot: queued in the lanes, reserved by a writer, or read and held
    /// by a reader that frees with <see cref="Release"/>.</summary>
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

    /// <summary>Queues one event, applying the overflow policy when the lanes are full (one subscription; a publish to
    /// several uses <see cref="TryReserve"/> and <see cref="Commit"/> directly).</summary>
    /// <returns><see langword="null"/> when accepted without loss; otherwise the event that was dropped to honour
    /// the policy (the incoming one or the oldest queued one), for the caller to dead-letter.</returns>
    /// <exception cref="ChannelClosedException">The lanes no longer accept events.</exception>
    /// <exception cref="SubscriptionOverflowException">The lanes are full and the policy is <see cref="OverflowPolicy.Fail"/>.</exception>
    public async ValueTask<Event?> EnqueueAsync(Event @event, CancellationToken cancellationToken)
    {
        while (true)
        {
            var reservation = TryReserve();
            Event? dropped = null;
            if (reservation == Reservation.Full)
            {
                switch (Policy)
                {
                    case OverflowPolicy.Fail:
                        throw new SubscriptionOverflowException(_subscriptionName, Capacity);
                    case OverflowPolicy.DropNewest:
                        return @event;
                    case OverflowPolicy.DropOldest:
                        reservation = TryReserveByEvicting(out dropped);
                        if (reservation == Reservation.Full)
                        {
                            return @event;
                        }

                        break;
                    default:
                        await WaitForSpaceAsync(cancellationToken).ConfigureAwait(false);
                        continue;
                }
            }

            if (reservation == Reservation.Closed)
            {
                throw new ChannelClosedException();
            }

            Commit(@event);
            return dropped;
        }
    }

    /// <summary>Takes a slot for one event if there is room and the lanes still accept events.</summary>
    public Reservation TryReserve()
    {
        var taken = Volatile.Read(ref _writer.Slots);
        while (true)
        {
            // KnownFreed never exceeds the true freed count, so passing this check with it proves there is room.
            if (taken - Volatile.Read(ref _writer.KnownFreed) >= Capacity)
            {
                var freed = Volatile.Read(ref _reader.Slots);
                Volatile.Write(ref _writer.KnownFreed, freed);
                if (taken - freed >= Capacity)
                {
                    return _completed ? Reservation.Closed : Reservation.Full;
                }
            }

            var seen = Interlocked.CompareExchange(ref _writer.Slots, taken + 1, taken);
            if (seen == taken)
            {
                break;
            }

            taken = seen;
        }

        // The slot was taken with a full fence (the compare-exchange), so this check cannot miss a completion the
        // reader has acted on: either we see it and give the slot back, or the reader sees our slot and waits for it.
        if (_completed)
        {
            CancelReservation();
            return Reservation.Closed;
        }

        return Reservation.Reserved;
    }

    /// <summary>DropOldest on full lanes: takes the oldest queued event out (across the lanes) and hands its slot to the
    /// caller as a reservation.</summary>
    /// <param name="evicted">The event taken out, for the caller to dead-letter, whatever the caller does next.</param>
    /// <returns><see cref="Reservation.Reserved"/> with <paramref name="evicted"/> set; <see cref="Reservation.Full"/>
    /// when no event is queued in the lanes (every slot is reserved by a writer or held by the reader);
    /// <see cref="Reservation.Closed"/> once the lanes no longer accept events.</returns>
    public Reservation TryReserveByEvicting([NotNullWhen(true)] out Event? evicted)
    {
        lock (_evictLock)
        {
            evicted = null;
            if (_completed)
            {
                return Reservation.Closed;
            }

            // Room may have been freed since the caller found the lanes full.
            var reservation = TryReserve();
            if (reservation != Reservation.Full)
            {
                return reservation;
            }

            ConcurrentQueue<Entry>? oldestLane = null;
            var oldest = long.MaxValue;
            foreach (var lane in (ReadOnlySpan<ConcurrentQueue<Entry>>)[_high, _normal, _low])
            {
                if (lane.TryPeek(out var head) && head.Sequence < oldest)
                {
                    oldest = head.Sequence;
                    oldestLane = lane;
                }
            }

            // The reader takes this lock too, so the head compared is the head taken; its slot is not freed but passes
            // to the caller's event.
            if (oldestLane is null || !oldestLane.TryDequeue(out var entry))
            {
                return Reservation.Full;
            }

            evicted = entry.Event;
            return Reservation.Reserved;
        }
    }

    /// <summary>Writes an event into a slot reserved with <see cref="TryReserve"/> or <see cref="TryReserveByEvicting"/>;
    /// never fails.</summary>
    public void Commit(Event @event)
    {
        // The count of slots ever taken orders events across lanes well enough for DropOldest: it grows with every
        // reservation, and racing writers have no order of their own.
        LaneOf(@event.Priority).Enqueue(new Entry(@event, Volatile.Read(ref _writer.Slots)));
        _readable.Set();
    }

    /// <summary>Gives back a slot reserved and not committed.</summary>
    public void CancelReservation()
    {
        Interlocked.Decrement(ref _writer.Slots);
        if (Volatile.Read(ref _spaceWanted) != 0)
        {
            ReleaseSpaceWaiters();
        }

        if (_completed)
        {
            // The completed reader may be waiting for this slot to be filled.
            _readable.Set();
        }
    }

    /// <summary>Completes when a writer that found the lanes full may find room (or the lanes completed): then reserve
    /// again. Never reserves by itself, so a publisher waiting here holds no slot anywhere.</summary>
    /// <remarks>
    /// <para>A waiting writer is woken once three quarters of the capacity are free (or the reader runs out of events),
    /// not at every freed slot: it then refills many slots in a row, so a publisher that outruns its subscriber waits
    /// once per three quarters of a queue instead of once per event, and nothing is allocated or signalled per event.
    /// (Waking at a quarter or a half free measured slower or the same: the reader still has a quarter of the queue to
    /// work through while the writer wakes.)</para>
    /// <para>Why no wake-up is lost: the waiter says space is wanted, with a full fence, before it checks for room. The
    /// reader frees a slot with a plain store and then reads that flag without a fence; when that read misses a
    /// waiter, the reader still has events to read (the waiter saw the lanes full), so it reads the flag again at its
    /// next free, or — having run out — checks the flag once more behind a full fence before it sleeps
    /// (<see cref="WaitToReadAsync"/>). Either way the waiter is seen.</para>
    /// </remarks>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask WaitForSpaceAsync(CancellationToken cancellationToken)
    {
        // Read the signal first, then say it is wanted: a release that runs in between completes this very signal (we
        // then return at once and retry); one that runs after completes it because it is wanted.
        var spaceFreed = Volatile.Read(ref _spaceFreed);

        // A full fence: the check below cannot be reordered before the reader can see that space is wanted.
        Interlocked.Exchange(ref _spaceWanted, 1);
        if (_completed || Volatile.Read(ref _writer.Slots) - Volatile.Read(ref _reader.Slots) < Capacity)
        {
            return;
        }

        await spaceFreed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Takes the next event by weighted round robin.</summary>
    /// <remarks>Unrolled over the three lanes: this runs once per delivered event.</remarks>
    public bool TryRead([NotNullWhen(true)] out Event? @event)
    {
        if (Policy == OverflowPolicy.DropOldest)
        {
            lock (_evictLock)
            {
                return TryReadCore(out @event);
            }
        }

        return TryReadCore(out @event);
    }

    /// <summary>Frees the slot of an event read earlier (a reader created with <c>freeOnRead: false</c>); any thread.</summary>
    public void Release()
    {
        Interlocked.Increment(ref _reader.Slots);
        if (Volatile.Read(ref _spaceWanted) != 0 && Count <= _wakeWritersAt)
        {
            ReleaseSpaceWaiters();
        }
    }

    /// <summary>Waits until an event can be read; false once the lanes are completed and every reserved slot was
    /// filled and read, or given back. Never spins.</summary>
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
                // A writer that reserved before completion may still be committing (or giving its slot back); both
                // set the signal, so wait for it rather than spin.
                Interlocked.MemoryBarrier();
                var read = _freeOnRead ? Volatile.Read(ref _reader.Slots) : Volatile.Read(ref _reader.Read);
                if (Volatile.Read(ref _writer.Slots) - read == 0)
                {
                    return HasItems();
                }

                if (HasItems())
                {
                    return true;
                }
            }

            // Out of events: a writer waiting for room must not wait for a free that will not come (see
            // WaitForSpaceAsync). The fence orders this read after the slots freed before it.
            Interlocked.MemoryBarrier();
            if (Volatile.Read(ref _spaceWanted) != 0)
            {
                ReleaseSpaceWaiters();
            }

            await _readable.WaitAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Stops accepting events; queued events stay readable, reservations already made are still committed.</summary>
    public void Complete()
    {
        _completed = true;
        Interlocked.MemoryBarrier();
        _readable.Set();
        ReleaseSpaceWaiters(always: true);
    }

    private static TaskCompletionSource NewSpaceSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private bool TryReadCore([NotNullWhen(true)] out Event? @event)
    {
        ref var state = ref _reader;
        var high = state.HighCredit > 0;
        if (high && _high.TryDequeue(out var entry))
        {
            state.HighCredit--;
            return OnDequeued(entry, out @event);
        }

        var normal = state.NormalCredit > 0;
        if (normal && _normal.TryDequeue(out entry))
        {
            state.NormalCredit--;
            return OnDequeued(entry, out @event);
        }

        var low = state.LowCredit > 0;
        if (low && _low.TryDequeue(out entry))
        {
            state.LowCredit--;
            return OnDequeued(entry, out @event);
        }

        // Every lane that still had credit is empty: start a new round so the others may go again. The lanes just
        // found empty are not probed again; an event that lands in one meanwhile is taken by the next call.
        state.HighCredit = Weights[HighLane];
        state.NormalCredit = Weights[NormalLane];
        state.LowCredit = Weights[LowLane];
        if (!high && _high.TryDequeue(out entry))
        {
            state.HighCredit--;
            return OnDequeued(entry, out @event);
        }

        if (!normal && _normal.TryDequeue(out entry))
        {
            state.NormalCredit--;
            return OnDequeued(entry, out @event);
        }

        if (!low && _low.TryDequeue(out entry))
        {
            state.LowCredit--;
            return OnDequeued(entry, out @event);
        }

        @event = null;
        return false;
    }

    private ConcurrentQueue<Entry> LaneOf(EventPriority priority) => priority switch
    {
        EventPriority.High => _high,
        EventPriority.Low => _low,
        _ => _normal,
    };

    // IsEmpty, not TryPeek: peeking marks the queue's segment as observed, so its slots are never reused and every
    // event would allocate a fresh slot (16 bytes per event per subscription in steady state).
    private bool HasItems() => !_high.IsEmpty || !_normal.IsEmpty || !_low.IsEmpty;

    private bool OnDequeued(Entry entry, out Event @event)
    {
        @event = entry.Event;
        if (!_freeOnRead)
        {
            // Only the one reader writes this counter; the slot stays taken until Release.
            Volatile.Write(ref _reader.Read, _reader.Read + 1);
            return true;
        }

        // Only the one reader writes these counters, so a plain increment published by a volatile write suffices; why a
        // waiter missed by the unfenced read below is still woken: WaitForSpaceAsync.
        Volatile.Write(ref _reader.Slots, _reader.Slots + 1);
        if (Volatile.Read(ref _spaceWanted) != 0 && Count <= _wakeWritersAt)
        {
            ReleaseSpaceWaiters();
        }

        return true;
    }

    /// <summary>Wakes every writer waiting for room: completes the current signal and installs a fresh one, once per
    /// time space was wanted (or <paramref name="always"/>, on completion).</summary>
    private void ReleaseSpaceWaiters(bool always = false)
    {
        if (Interlocked.Exchange(ref _spaceWanted, 0) != 0 || always)
        {
            Interlocked.Exchange(ref _spaceFreed, NewSpaceSignal()).TrySetResult();
        }
    }

    /// <summary>A queued event with its place in the order of acceptance.</summary>
    private readonly record struct Entry(Event Event, long Sequence);

    /// <summary>The writers' counters, alone on their cache lines.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 3 * CacheLine)]
    private struct WriterCounters
    {
        /// <summary>Slots ever taken by writers, less those given back.</summary>
        [FieldOffset(CacheLine)]
        public long Slots;

        /// <summary>A recent value of the freed count, never ahead of it.</summary>
        [FieldOffset(CacheLine + sizeof(long))]
        public long KnownFreed;
    }

    /// <summary>What the reader writes, per event: alone on its cache line.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 3 * CacheLine)]
    private struct ReaderState
    {
        /// <summary>Slots ever freed.</summary>
        [FieldOffset(CacheLine)]
        public long Slots;

        /// <summary>Events ever read, kept only when slots are freed by <see cref="Release"/> (otherwise it is
        /// <see cref="Slots"/>).</summary>
        [FieldOffset(CacheLine + sizeof(long))]
        public long Read;

        /// <summary>Turns left to the High lane in the current round.</summary>
        [FieldOffset(CacheLine + (2 * sizeof(long)))]
        public int HighCredit;

        /// <summary>Turns left to the Normal lane in the current round.</summary>
        [FieldOffset(CacheLine + (2 * sizeof(long)) + sizeof(int))]
        public int NormalCredit;

        /// <summary>Turns left to the Low lane in the current round.</summary>
        [FieldOffset(CacheLine + (2 * sizeof(long)) + (2 * sizeof(int)))]
        public int LowCredit;
    }
}
