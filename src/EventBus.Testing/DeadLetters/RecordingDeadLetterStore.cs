namespace EventBus.Testing.DeadLetters;

/// <summary>Decorates the registered dead-letter store: every dead letter is stored by it, then recorded by the
/// harness. Adds still running count as work in progress for <see cref="EventBusTestHarness.WaitUntilIdleAsync"/>.</summary>
internal sealed class RecordingDeadLetterStore(IDeadLetterStore inner, EventBusTestHarness harness) : IDeadLetterStore
{
    public async ValueTask AddAsync(DeadLetter deadLetter, CancellationToken cancellationToken = default)
    {
        harness.DeadLetterStarted();
        try
        {
            await inner.AddAsync(deadLetter, cancellationToken).ConfigureAwait(false);
            harness.RecordDeadLetter(deadLetter);
        }
        finally
        {
            harness.DeadLetterEnded();
        }
    }

    public IAsyncEnumerable<DeadLetter> QueryAsync(DeadLetterQuery query, CancellationToken cancellationToken = default) =>
        inner.QueryAsync(query, cancellationToken);

    public ValueTask<long> CountAsync(DeadLetterQuery query, CancellationToken cancellationToken = default) =>
        inner.CountAsync(query, cancellationToken);

    public ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken = default) =>
        inner.DeleteAsync(id, cancellationToken);

    public ValueTask<long> DeleteAsync(DeadLetterQuery query, CancellationToken cancellationToken = default) =>
        inner.DeleteAsync(query, cancellationToken);
}
