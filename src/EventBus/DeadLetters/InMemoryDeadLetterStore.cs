using System.Runtime.CompilerServices;

namespace EventBus.DeadLetters;

internal sealed class InMemoryDeadLetterStore : IDeadLetterStore
{
    private readonly List<DeadLetter> _entries = [];
    private readonly Lock _lock = new();

    public ValueTask AddAsync(DeadLetter deadLetter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deadLetter);
        lock (_lock)
        {
            _entries.Add(deadLetter);
        }

        return default;
    }

    public async IAsyncEnumerable<DeadLetter> QueryAsync(DeadLetterQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        DeadLetter[] snapshot;
        lock (_lock)
        {
            snapshot = [.. _entries];
        }

        foreach (var entry in snapshot)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if ((query.SubscriptionName is null || entry.SubscriptionName == query.SubscriptionName)
                && (query.Reason is null || entry.Reason == query.Reason)
                && (query.CorrelationId is null || entry.Event.CorrelationId == query.CorrelationId))
            {
                yield return entry;
            }
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }
}
