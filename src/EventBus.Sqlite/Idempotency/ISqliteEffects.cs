using Microsoft.Data.Sqlite;

namespace EventBus;

/// <summary>Applies a handler's effect to the EventBus SQLite database and records the event as handled in the
/// idempotency inbox in the same transaction, so the effect happens exactly once per consumer and event id even when
/// the event is delivered again after a crash ("effectively once").</summary>
/// <remarks>Registered by <c>UseSqlite</c> and <c>UseSqliteInbox</c>. Pass the subscription's name as the consumer
/// name: <c>AddIdempotency()</c> then also drops a redelivery before its handler runs. The recorded id follows the
/// inbox's rules afterwards (it may be forgotten beyond the subscription's <see cref="IdempotencyWindow"/>).</remarks>
public interface ISqliteEffects
{
    /// <summary>Runs <paramref name="effect"/> and records (<paramref name="consumerName"/>,
    /// <paramref name="eventId"/>) in the inbox in one write transaction, unless that pair is already recorded.</summary>
    /// <param name="consumerName">Who handles the event; the subscription name, so the inbox entry is the one
    /// <c>AddIdempotency()</c> checks.</param>
    /// <param name="eventId">The handled event's <see cref="Event.Id"/>.</param>
    /// <param name="effect">Writes the effect through the given transaction (create commands on its
    /// <see cref="SqliteTransaction.Connection"/> and set their <see cref="SqliteCommand.Transaction"/> to it). It runs
    /// in the database's single writer (on the calling thread when the writer is idle, otherwise on the writer's
    /// thread): keep it short and synchronous, and do not commit or roll back the transaction.</param>
    /// <param name="cancellationToken">Cancels the write while it is still queued.</param>
    /// <returns><see langword="true"/> if the effect ran and was committed with the inbox entry;
    /// <see langword="false"/> if the event was already recorded for this consumer, in which case
    /// <paramref name="effect"/> did not run.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <remarks>If <paramref name="effect"/> throws, neither the effect nor the inbox entry is written and the
    /// exception is rethrown, so a retry or a redelivery runs it again.</remarks>
    ValueTask<bool> ApplyOnceAsync(string consumerName, string eventId, Action<SqliteTransaction> effect, CancellationToken cancellationToken = default);
}
