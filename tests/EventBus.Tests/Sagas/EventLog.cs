namespace EventBus.Tests.Sagas;

/// <summary>Records events and lets a test await the first (or n-th) event matching a predicate.</summary>
public sealed class EventLog
{
    private readonly List<Event> _events = [];
    private readonly List<(Func<Event, bool> Match, int Count, TaskCompletionSource<Event> Done)> _waiters = [];
    private readonly Lock _lock = new();

    public IReadOnlyList<Event> Items
    {
        get
        {
            lock (_lock)
            {
                return [.. _events];
            }
        }
    }

    public void Add(Event @event)
    {
        lock (_lock)
        {
            _events.Add(@event);
            foreach (var waiter in _waiters.ToList())
            {
                if (_events.Count(waiter.Match) >= waiter.Count)
                {
                    waiter.Done.TrySetResult(@event);
                    _waiters.Remove(waiter);
                }
            }
        }
    }

    public IReadOnlyList<Event<T>> Of<T>() => [.. Items.Where(e => e.Payload is T).Select(Event<T>.From)];

    /// <summary>Completes once <paramref name="count"/> events of <typeparamref name="T"/> matching
    /// <paramref name="match"/> were recorded; fails after a generous safety timeout.</summary>
    public Task WaitForAsync<T>(Func<T, bool>? match = null, int count = 1) =>
        WaitForAsync(e => e.Payload is T p && (match is null || match(p)), count);

    /// <summary>Completes once <paramref name="count"/> events matching <paramref name="predicate"/> were recorded.</summary>
    public Task WaitForAsync(Func<Event, bool> predicate, int count)
    {
        lock (_lock)
        {
            if (_events.Count(predicate) >= count)
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource<Event>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((predicate, count, done));
            return done.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }
}
