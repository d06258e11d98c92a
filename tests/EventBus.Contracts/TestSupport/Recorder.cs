using System.Collections.Concurrent;

namespace EventBus.Contracts.TestSupport;

/// <summary>Collects what handlers saw and lets a test await a number of deliveries instead of sleeping.</summary>
public sealed class Recorder<T>
{
    private readonly ConcurrentQueue<T> _items = new();
    private readonly Lock _lock = new();
    private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];

    public IReadOnlyList<T> Items => [.. _items];

    public int Count => _items.Count;

    public void Add(T item)
    {
        _items.Enqueue(item);
        lock (_lock)
        {
            foreach (var waiter in _waiters.Where(w => _items.Count >= w.Count).ToList())
            {
                waiter.Done.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
    }

    /// <summary>Completes once at least <paramref name="count"/> items were recorded; fails after a generous safety timeout.</summary>
    public Task WaitForAsync(int count, TimeSpan? timeout = null)
    {
        lock (_lock)
        {
            if (_items.Count >= count)
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, done));
            return done.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(30));
        }
    }
}
