namespace EventBus;

/// <summary>Re-delivers dead letters to the subscriptions they were meant for.</summary>
public interface IDeadLetterRedriver
{
    /// <summary>Re-delivers the dead letters that match a query, each to its original subscription only, one at a
    /// time in their original order (each waits until the previous one was handled or dead-lettered again).</summary>
    /// <remarks>An entry leaves the store when it is queued again; if handling fails again it returns as a new entry
    /// that keeps its first failure time, its total attempt count and its earlier failures. Entries whose subscription
    /// no longer exists stay in the store and are reported as skipped; entries the store could not read
    /// (<see cref="DeadLetter.ReadError"/>) stay in the store and are reported as unreadable.</remarks>
    /// <param name="query">Which dead letters to redrive.</param>
    /// <param name="options">Dry run and rate limit; the defaults redrive for real as fast as handled.</param>
    /// <param name="cancellationToken">Stops the redrive between two events.</param>
    /// <returns>What was (or, in a dry run, would be) redriven.</returns>
    /// <exception cref="EventBusClosedException">The bus stopped during the redrive.</exception>
    ValueTask<DeadLetterRedriveResult> RedriveAsync(DeadLetterQuery query, DeadLetterRedriveOptions? options = null, CancellationToken cancellationToken = default);
}
