using EventBus.Sqlite.Storage;

namespace EventBus.Sqlite.Idempotency;

/// <summary>The durable idempotency inbox: the handled event ids of each subscription, in the SQLite database, so a
/// redelivery after a restart is still recognised. Keeps the same window as the in-memory inbox (the last
/// <see cref="IdempotencyWindow.MaxCount"/> ids, each for at most <see cref="IdempotencyWindow.Duration"/>), and
/// forgets ids beyond it when the subscription records its next id.</summary>
/// <remarks>Every check-and-record runs as one write of the single writer, so two deliveries of one id racing (in
/// this process or another on the same file) never both count as first.</remarks>
internal sealed class SqliteInbox(SqliteDatabase database) : IInbox
{
    private const string Expire = "DELETE FROM eventbus_inbox WHERE subscription_name = $subscription_name AND added_ticks <= $cutoff_ticks";
    private const string Exists = "SELECT 1 FROM eventbus_inbox WHERE subscription_name = $subscription_name AND event_id = $event_id";
    private const string ExistsSince = "SELECT 1 FROM eventbus_inbox WHERE subscription_name = $subscription_name AND event_id = $event_id AND added_ticks > $cutoff_ticks";

    // Keeps the newest MaxCount - 1 ids, making room for the one being added: everything at or before the
    // (MaxCount - 1)-th newest goes.
    private const string Trim = """
        DELETE FROM eventbus_inbox
        WHERE subscription_name = $subscription_name AND seq <= (
            SELECT seq FROM eventbus_inbox WHERE subscription_name = $subscription_name
            ORDER BY seq DESC LIMIT 1 OFFSET $keep)
        """;

    private const string Insert = "INSERT INTO eventbus_inbox (subscription_name, event_id, added_ticks) VALUES ($subscription_name, $event_id, $added_ticks)";
    private const string Delete = "DELETE FROM eventbus_inbox WHERE subscription_name = $subscription_name AND event_id = $event_id";

    public ValueTask<bool> TryAddAsync(string subscriptionName, string eventId, IdempotencyWindow window, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subscriptionName);
        ArgumentNullException.ThrowIfNull(eventId);
        if (window.MaxCount is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(window), window.MaxCount, "IdempotencyWindow.MaxCount must be at least 1, or null for no count limit.");
        }

        if (window.Duration is { } duration && duration <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(window), duration, "IdempotencyWindow.Duration must be positive, or null for no time limit.");
        }

        return new ValueTask<bool>(database.WriteAsync(session => TryAdd(session, subscriptionName, eventId, window), cancellationToken));
    }

    public ValueTask<bool> ContainsAsync(string subscriptionName, string eventId, IdempotencyWindow window, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subscriptionName);
        ArgumentNullException.ThrowIfNull(eventId);
        var cutoff = window.Duration is { } duration ? database.TimeProvider.GetUtcNow().UtcTicks - duration.Ticks : long.MinValue;
        return new ValueTask<bool>(database.Read(
            (subscriptionName, eventId, cutoff),
            static (session, state) =>
            {
                var exists = session.Command(ExistsSince);
                exists.Parameters.AddWithValue("$subscription_name", state.subscriptionName);
                exists.Parameters.AddWithValue("$event_id", state.eventId);
                exists.Parameters.AddWithValue("$cutoff_ticks", state.cutoff);
                return exists.ExecuteScalar() is not null;
            }));
    }

    public ValueTask<bool> RemoveAsync(string subscriptionName, string eventId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subscriptionName);
        ArgumentNullException.ThrowIfNull(eventId);
        return new ValueTask<bool>(database.WriteAsync(
            session =>
            {
                var delete = session.Command(Delete);
                delete.Parameters.AddWithValue("$subscription_name", subscriptionName);
                delete.Parameters.AddWithValue("$event_id", eventId);
                return delete.ExecuteNonQuery() > 0;
            },
            cancellationToken));
    }

    private bool TryAdd(SqliteSession session, string subscriptionName, string eventId, IdempotencyWindow window)
    {
        // The clock is read in the writer, so ids are stamped in the order they are recorded.
        var now = database.TimeProvider.GetUtcNow().UtcTicks;
        if (window.Duration is { } duration)
        {
            var expire = session.Command(Expire);
            expire.Parameters.AddWithValue("$subscription_name", subscriptionName);
            expire.Parameters.AddWithValue("$cutoff_ticks", now - duration.Ticks);
            expire.ExecuteNonQuery();
        }

        var exists = session.Command(Exists);
        exists.Parameters.AddWithValue("$subscription_name", subscriptionName);
        exists.Parameters.AddWithValue("$event_id", eventId);
        if (exists.ExecuteScalar() is not null)
        {
            return false;
        }

        if (window.MaxCount is { } max)
        {
            var trim = session.Command(Trim);
            trim.Parameters.AddWithValue("$subscription_name", subscriptionName);
            trim.Parameters.AddWithValue("$keep", max - 1);
            trim.ExecuteNonQuery();
        }

        var insert = session.Command(Insert);
        insert.Parameters.AddWithValue("$subscription_name", subscriptionName);
        insert.Parameters.AddWithValue("$event_id", eventId);
        insert.Parameters.AddWithValue("$added_ticks", now);
        insert.ExecuteNonQuery();
        return true;
    }
}
