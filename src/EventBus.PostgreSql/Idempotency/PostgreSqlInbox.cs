using EventBus.PostgreSql.Storage;
using Npgsql;

namespace EventBus.PostgreSql.Idempotency;

/// <summary>The durable idempotency inbox: the handled event ids of each subscription, in the PostgreSQL schema, so
/// a redelivery after a restart, or to another app instance, is still recognised. Keeps the same window as the
/// in-memory inbox (the last <see cref="IdempotencyWindow.MaxCount"/> ids, each for at most
/// <see cref="IdempotencyWindow.Duration"/>).</summary>
/// <remarks>A check-and-record is one batch in one transaction: the insert's unique key decides, so two deliveries
/// of one id racing (on any instance) never both count as first.</remarks>
internal sealed class PostgreSqlInbox : IInbox
{
    private readonly PostgreSqlDatabase _database;
    private readonly string _expire;
    private readonly string _insert;
    private readonly string _trim;
    private readonly string _delete;
    private readonly string _exists;

    public PostgreSqlInbox(PostgreSqlDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        var s = database.Schema;
        _expire = $"DELETE FROM {s}.inbox WHERE subscription_name = $1 AND added_ticks <= $2";
        _insert = $"INSERT INTO {s}.inbox (subscription_name, event_id, added_ticks) VALUES ($1, $2, $3) ON CONFLICT (subscription_name, event_id) DO NOTHING";

        // Keeps the newest MaxCount ids of the subscription.
        _trim = $"""
            DELETE FROM {s}.inbox
            WHERE subscription_name = $1 AND seq <= (
                SELECT seq FROM {s}.inbox WHERE subscription_name = $1 ORDER BY seq DESC OFFSET $2 LIMIT 1)
            """;
        _delete = $"DELETE FROM {s}.inbox WHERE subscription_name = $1 AND event_id = $2";
        _exists = $"SELECT 1 FROM {s}.inbox WHERE subscription_name = $1 AND event_id = $2 AND added_ticks > $3";
    }

    public async ValueTask<bool> ContainsAsync(string subscriptionName, string eventId, IdempotencyWindow window, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subscriptionName);
        ArgumentNullException.ThrowIfNull(eventId);
        var cutoff = window.Duration is { } duration ? _database.TimeProvider.GetUtcNow().UtcTicks - duration.Ticks : long.MinValue;
        var command = await _database.CommandAsync(_exists, cancellationToken).ConfigureAwait(false);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = subscriptionName });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = eventId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = cutoff });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null;
    }

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

        return TryAddCoreAsync(subscriptionName, eventId, window, cancellationToken);
    }

    public async ValueTask<bool> RemoveAsync(string subscriptionName, string eventId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subscriptionName);
        ArgumentNullException.ThrowIfNull(eventId);
        var command = await _database.CommandAsync(_delete, cancellationToken).ConfigureAwait(false);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = subscriptionName });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = eventId });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    private async ValueTask<bool> TryAddCoreAsync(string subscriptionName, string eventId, IdempotencyWindow window, CancellationToken cancellationToken)
    {
        var now = _database.TimeProvider.GetUtcNow().UtcTicks;
        var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);

        // One round trip; a batch without an explicit transaction runs in one implicit transaction. Expired ids go
        // first, in a statement of their own, so the insert sees them gone.
        var batch = new NpgsqlBatch(connection);
        await using var batchScope = batch.ConfigureAwait(false);
        if (window.Duration is { } duration)
        {
            var expire = new NpgsqlBatchCommand(_expire);
            expire.Parameters.Add(new NpgsqlParameter<string> { TypedValue = subscriptionName });
            expire.Parameters.Add(new NpgsqlParameter<long> { TypedValue = now - duration.Ticks });
            batch.BatchCommands.Add(expire);
        }

        var insert = new NpgsqlBatchCommand(_insert);
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = subscriptionName });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = eventId });
        insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = now });
        batch.BatchCommands.Add(insert);
        if (window.MaxCount is { } max)
        {
            var trim = new NpgsqlBatchCommand(_trim);
            trim.Parameters.Add(new NpgsqlParameter<string> { TypedValue = subscriptionName });
            trim.Parameters.Add(new NpgsqlParameter<int> { TypedValue = max });
            batch.BatchCommands.Add(trim);
        }

        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return insert.RecordsAffected == 1;
    }
}
