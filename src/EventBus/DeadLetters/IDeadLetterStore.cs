namespace EventBus;

/// <summary>Keeps events that left the normal delivery path so operators can inspect and redrive them.</summary>
public interface IDeadLetterStore
{
    /// <summary>Stores a dead letter.</summary>
    /// <param name="deadLetter">The entry.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the entry is stored.</returns>
    ValueTask AddAsync(DeadLetter deadLetter, CancellationToken cancellationToken = default);

    /// <summary>Reads the dead letters that match a query, oldest first.</summary>
    /// <param name="query">The filters.</param>
    /// <param name="cancellationToken">A token to cancel the enumeration.</param>
    /// <returns>The matching entries.</returns>
    IAsyncEnumerable<DeadLetter> QueryAsync(DeadLetterQuery query, CancellationToken cancellationToken = default);
}
