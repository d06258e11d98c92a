using EventBus.Sqlite.Storage;
using Microsoft.Data.Sqlite;

namespace EventBus.Sqlite.Idempotency;

/// <summary>Effect and inbox entry in one write of the single writer (under its own savepoint of the group-commit
/// transaction), so either both are committed or neither is.</summary>
internal sealed class SqliteEffects(SqliteDatabase database) : ISqliteEffects
{
    private const string Exists = "SELECT 1 FROM eventbus_inbox WHERE subscription_name = $subscription_name AND event_id = $event_id";
    private const string Insert = "INSERT INTO eventbus_inbox (subscription_name, event_id, added_ticks) VALUES ($subscription_name, $event_id, $added_ticks)";

    public ValueTask<bool> ApplyOnceAsync(string consumerName, string eventId, Action<SqliteTransaction> effect, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(consumerName);
        ArgumentNullException.ThrowIfNull(eventId);
        ArgumentNullException.ThrowIfNull(effect);
        return new ValueTask<bool>(database.WriteAsync(session => Apply(session, consumerName, eventId, effect), cancellationToken));
    }

    private bool Apply(SqliteSession session, string consumerName, string eventId, Action<SqliteTransaction> effect)
    {
        var exists = session.Command(Exists);
        exists.Parameters.AddWithValue("$subscription_name", consumerName);
        exists.Parameters.AddWithValue("$event_id", eventId);
        if (exists.ExecuteScalar() is not null)
        {
            return false;
        }

        // The writer rolls back to this request's savepoint if the effect throws: no effect, no entry.
        effect(session.Transaction!);
        var insert = session.Command(Insert);
        insert.Parameters.AddWithValue("$subscription_name", consumerName);
        insert.Parameters.AddWithValue("$event_id", eventId);
        insert.Parameters.AddWithValue("$added_ticks", database.TimeProvider.GetUtcNow().UtcTicks);
        insert.ExecuteNonQuery();
        return true;
    }
}
