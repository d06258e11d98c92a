namespace EventBus;

/// <summary>Keeps events that left the normal delivery path so operators can inspect and redrive them.</summary>
/// <remarks>Entries are returned in the order of their <see cref="DeadLetter.FirstFailureTime"/>, ties in the order
/// they were added, so that a redrive replays events in their original order. Every implementation must pass
/// <c>DeadLetterStoreContractTests</c>.</remarks>
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

    /// <summary>Counts the dead letters that match a query.</summary>
    /// <param name="query">The filters; <see cref="DeadLetterQuery.Limit"/> is ignored.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The number of matching entries.</returns>
    ValueTask<long> CountAsync(DeadLetterQuery query, CancellationToken cancellationToken = default);

    /// <summary>Deletes one dead letter.</summary>
    /// <param name="id">The <see cref="DeadLetter.Id"/>.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns><see langword="true"/> if the entry existed; otherwise, <see langword="false"/>.</returns>
    ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Deletes every dead letter that matches a query.</summary>
    /// <param name="query">The filters; <see cref="DeadLetterQuery.Limit"/> is ignored.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The number of deleted entries.</returns>
    ValueTask<long> DeleteAsync(DeadLetterQuery query, CancellationToken cancellationToken = default);
}
