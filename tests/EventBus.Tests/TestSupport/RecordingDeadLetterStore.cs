using System.Runtime.CompilerServices;

namespace EventBus.Tests.TestSupport;

/// <summary>A dead-letter store that lets tests await entries instead of polling.</summary>
public sealed class RecordingDeadLetterStore : IDeadLetterStore
{
    public Recorder<DeadLetter> Entries { get; } = new();

    public ValueTask AddAsync(DeadLetter deadLetter, CancellationToken cancellationToken = default)
    {
        Entries.Add(deadLetter);
        return default;
    }

    public async IAsyncEnumerable<DeadLetter> QueryAsync(DeadLetterQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        foreach (var entry in Entries.Items)
        {
            yield return entry;
        }
    }
}
