using System.Runtime.CompilerServices;

namespace EventBus.Tests.Sagas;

/// <summary>A dead-letter store a test can await, instead of racing the log line written just before the store.</summary>
public sealed class SignalingDeadLetterStore : IDeadLetterStore
{
    private readonly EventLog _signal = new();
    private readonly List<DeadLetter> _entries = [];
    private readonly Lock _lock = new();

    public ValueTask AddAsync(DeadLetter deadLetter, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            _entries.Add(deadLetter);
        }

        _signal.Add(new Event("test.dead-letter", deadLetter));
        return default;
    }

    public async IAsyncEnumerable<DeadLetter> QueryAsync(DeadLetterQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        DeadLetter[] snapshot;
        lock (_lock)
        {
            snapshot = [.. _entries];
        }

        foreach (var entry in snapshot.Where(e => query.SubscriptionName is null || e.SubscriptionName == query.SubscriptionName))
        {
            yield return entry;
        }

        await Task.CompletedTask;
    }

    public Task WaitForAsync(int count = 1) => _signal.WaitForAsync<DeadLetter>(count: count);
}
