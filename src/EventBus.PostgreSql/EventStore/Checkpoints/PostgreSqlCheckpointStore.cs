using EventBus.PostgreSql.Storage;
using Npgsql;

namespace EventBus.PostgreSql.EventStore.Checkpoints;

/// <summary>Keeps named global-log positions (projections, the outbox) in the PostgreSQL schema, so that work resumes
/// where it stopped after a restart, on this or another app instance.</summary>
internal sealed class PostgreSqlCheckpointStore : ICheckpointStore
{
    private readonly PostgreSqlDatabase _database;
    private readonly string _upsert;
    private readonly string _select;
    private readonly string _delete;

    public PostgreSqlCheckpointStore(PostgreSqlDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        var s = database.Schema;
        _upsert = $"INSERT INTO {s}.checkpoints (name, position) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET position = excluded.position";
        _select = $"SELECT position FROM {s}.checkpoints WHERE name = $1";
        _delete = $"DELETE FROM {s}.checkpoints WHERE name = $1";
    }

    public async ValueTask<long?> LoadAsync(string name, CancellationToken cancellationToken = default)
    {
        ValidateName(name);
        var command = await _database.CommandAsync(_select, cancellationToken).ConfigureAwait(false);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long position ? position : null;
    }

    public async ValueTask SaveAsync(string name, long position, CancellationToken cancellationToken = default)
    {
        ValidateName(name);
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        var command = await _database.CommandAsync(_upsert, cancellationToken).ConfigureAwait(false);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = position });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        ValidateName(name);
        var command = await _database.CommandAsync(_delete, cancellationToken).ConfigureAwait(false);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    internal static void ValidateName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.Length > PostgreSqlConstants.MaxCheckpointNameLength)
        {
            throw new ArgumentException($"Checkpoint name '{name[..32]}…' is longer than {PostgreSqlConstants.MaxCheckpointNameLength} characters.", nameof(name));
        }
    }
}
