using System.Runtime.CompilerServices;

namespace EventBus.Tests.TestSupport;

/// <summary>A dead-letter store that lets tests await entries instead of polling.</summary>
public sealed class RecordingDeadLetterStore : IDeadLetterStore
{
    private readonly List<DeadLetter> _entries = [];
    private readonly Lock _lock = new();

    /// <summary>Every entry ever added, in order (deletions do not remove from here).</summary>
    public Recorder<DeadLetter> Entries { get; } = new();

    public Task WaitForAsync(int count = 1) => Entries.WaitForAsync(count);

    public ValueTask AddAsync(DeadLetter deadLetter, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            _entries.Add(deadLetter);
        }

        Entries.Add(deadLetter);
        return default;
    }

    public async IAsyncEnumerable<DeadLetter> QueryAsync(DeadLetterQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        foreach (var entry in Snapshot().Where(query.IsMatch))
        {
            yield return entry;
        }
    }

    public ValueTask<long> CountAsync(DeadLetterQuery query, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult((long)Snapshot().Count(query.IsMatch));

    public ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return ValueTask.FromResult(_entries.RemoveAll(e => e.Id == id) > 0);
        }
    }

    public ValueTask<long> DeleteAsync(DeadLetterQuery query, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return ValueTask.FromResult((long)_entries.RemoveAll(query.IsMatch));
        }
    }

    private DeadLetter[] Snapshot()
    {
        lock (_lock)
        {
            return [.. _entries];
        }
    }
}
