using EventBus.Internal;

namespace EventBus.Dispatch;

/// <summary>
/// Hands a subscription's events to its delivery slots by ordering key (<c>MaxConcurrency</c> above 1): an event whose
/// key is being delivered waits behind it in that key's queue, anything else goes to an idle slot. A busy key never
/// holds back another key, and events of one key are delivered one at a time, in the order they were read.
/// </summary>
/// <remarks>
/// One dispatcher loop reads the lanes; it waits only when every slot is busy. A slot that finishes an event takes
/// the next one of the same key itself, so per-key order holds through retries and pauses. Events parked behind a key
/// keep their slot of the subscription's capacity until their delivery begins (<see cref="PriorityLanes.Release"/>),
/// so the bound and <see cref="IEventSubscription.QueuedCount"/> include them.
/// </remarks>
internal sealed class KeyedDispatcher
{
    private readonly SubscriptionWorker _worker;
    private readonly PriorityLanes _lanes;
    private readonly Func<Event, string?> _orderingKey;
    private readonly KeyedSlot[] _slots;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Queue<Event>> _busyKeys = new(StringComparer.Ordinal);
    private readonly Stack<Queue<Event>> _spareQueues = new();
    private readonly Stack<KeyedSlot> _idle = new();
    private readonly AsyncAutoResetSignal _slotFreed = new();
    private bool _abandoned;

    public KeyedDispatcher(SubscriptionWorker worker, PriorityLanes lanes, DeliverySlot[] slots, Func<Event, string?> orderingKey)
    {
        _worker = worker;
        _lanes = lanes;
        _orderingKey = orderingKey;
        _slots = slots.Select(s => new KeyedSlot(s)).ToArray();
    }

    public async Task RunAsync()
    {
        var slotTasks = new Task[_slots.Length];
        for (var i = 0; i < _slots.Length; i++)
        {
            var slot = _slots[i];
            _idle.Push(slot);
            slotTasks[i] = Task.Run(() => RunSlotAsync(slot));
        }

        try
        {
            while (await _lanes.WaitToReadAsync().ConfigureAwait(false))
            {
                while (_lanes.TryRead(out var @event))
                {
                    if (!await RouteAsync(@event).ConfigureAwait(false))
                    {
                        await _worker.DrainAsNotDrainedAsync().ConfigureAwait(false);
                        return;
                    }
                }
            }

            // Every event is placed; wait until the slots have delivered theirs, parked ones included.
            while (true)
            {
                lock (_gate)
                {
                    if (_abandoned)
                    {
                        // Slots still inside an abandoned handler are not waited for.
                        return;
                    }

                    if (_idle.Count == _slots.Length)
                    {
                        break;
                    }
                }

                await _slotFreed.WaitAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            foreach (var slot in _slots)
            {
                slot.Stop();
            }
        }

        await Task.WhenAll(slotTasks).ConfigureAwait(false);
    }

    /// <summary>Takes every parked event and every running delivery away from the slots, records them, and makes the
    /// dispatcher record what is left in the lanes as not drained.</summary>
    public async Task AbandonAsync()
    {
        List<Event> parked = [];
        lock (_gate)
        {
            _abandoned = true;
            foreach (var queue in _busyKeys.Values)
            {
                parked.AddRange(queue);
                queue.Clear();
            }

            _busyKeys.Clear();
        }

        foreach (var slot in _slots)
        {
            if (slot.Delivery.Abandon() is { } running)
            {
                await _worker.RecordAbandonedAsync(running, slot.Delivery).ConfigureAwait(false);
            }
        }

        foreach (var @event in parked)
        {
            _lanes.Release();
            await _worker.RecordNotDrainedAsync(@event).ConfigureAwait(false);
        }

        _slotFreed.Set();
    }

    /// <summary>Places one event: behind its busy key, on an idle slot, or — when every slot is busy — waits for one.</summary>
    /// <returns>false once the stopping bus abandoned the subscription (the event is recorded as not drained).</returns>
    private async ValueTask<bool> RouteAsync(Event @event)
    {
        string? key;
        try
        {
            key = _orderingKey(@event);
        }
        catch (Exception ex)
        {
            _lanes.Release();
            await _worker.OrderingKeyFailedAsync(@event, ex).ConfigureAwait(false);
            return true;
        }

        while (true)
        {
            KeyedSlot? slot = null;
            bool abandoned;
            lock (_gate)
            {
                // Decided under the lock: a slot taken here is always assigned, an abandoned run takes none.
                abandoned = _abandoned;
                if (!abandoned)
                {
                    if (key is not null && _busyKeys.TryGetValue(key, out var parked))
                    {
                        // Keeps its slot of capacity until its own delivery begins.
                        parked.Enqueue(@event);
                        return true;
                    }

                    if (_idle.TryPop(out slot) && key is not null)
                    {
                        _busyKeys.Add(key, _spareQueues.TryPop(out var queue) ? queue : new Queue<Event>());
                    }
                }
            }

            if (abandoned)
            {
                _lanes.Release();
                await _worker.RecordNotDrainedAsync(@event).ConfigureAwait(false);
                return false;
            }

            if (slot is not null)
            {
                // Assigned before its capacity is freed, so it is always counted: queued, then in flight.
                slot.Assign(@event, key);
                _lanes.Release();
                return true;
            }

            await _slotFreed.WaitAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Gets the number of events handed to a slot whose delivery has not begun yet.</summary>
    public int AssignedCount
    {
        get
        {
            var count = 0;
            foreach (var slot in _slots)
            {
                count += slot.HasAssigned ? 1 : 0;
            }

            return count;
        }
    }

    private async Task RunSlotAsync(KeyedSlot slot)
    {
        EventContext.Install(slot.Delivery.Context);
        while (await slot.WaitForWorkAsync().ConfigureAwait(false))
        {
            var next = slot.TakeAssigned();
            while (next is not null)
            {
                await _worker.DeliverSafelyAsync(next, slot.Delivery).ConfigureAwait(false);
                if (slot.Delivery.IsAbandoned)
                {
                    return;
                }

                next = null;
                lock (_gate)
                {
                    if (_abandoned)
                    {
                        // The stopping bus recorded this key's parked events; nothing is left for this slot.
                        return;
                    }

                    if (slot.Key is { } key)
                    {
                        var parked = _busyKeys[key];
                        if (!parked.TryDequeue(out next))
                        {
                            _busyKeys.Remove(key);
                            _spareQueues.Push(parked);
                            slot.Key = null;
                        }
                    }

                    if (next is null)
                    {
                        _idle.Push(slot);
                    }
                }

                if (next is null)
                {
                    _slotFreed.Set();
                }
                else
                {
                    _lanes.Release();
                }
            }
        }
    }

    /// <summary>A delivery slot with its hand-off from the dispatcher.</summary>
    private sealed class KeyedSlot(DeliverySlot delivery)
    {
        private readonly AsyncAutoResetSignal _work = new();
        private Event? _assigned;
        private volatile bool _stopped;

        public DeliverySlot Delivery { get; } = delivery;

        /// <summary>Gets or sets the key this slot delivers, guarded by the dispatcher's lock.</summary>
        public string? Key { get; set; }

        public void Assign(Event @event, string? key)
        {
            Key = key;
            Volatile.Write(ref _assigned, @event);
            _work.Set();
        }

        public bool HasAssigned => Volatile.Read(ref _assigned) is not null;

        public Event? TakeAssigned() => Interlocked.Exchange(ref _assigned, null);

        public void Stop()
        {
            _stopped = true;
            _work.Set();
        }

        public async ValueTask<bool> WaitForWorkAsync()
        {
            await _work.WaitAsync().ConfigureAwait(false);
            return !_stopped || Volatile.Read(ref _assigned) is not null;
        }
    }
}
