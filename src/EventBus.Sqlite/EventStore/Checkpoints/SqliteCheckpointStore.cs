using EventBus.Sqlite.Storage;

namespace EventBus.Sqlite.EventStore.Checkpoints;

/// <summary>Keeps named global-log positions (projections, the outbox) in the SQLite database, so that work resumes
/// where it stopped after a restart or a crash. Saves go through the single writer and share its group commits.</summary>
internal sealed class SqliteCheckpointStore(SqliteDatabase database) : ICheckpointStore
{
    private const string Upsert = """
        INSERT INTO eventbus_checkpoints (name, position) VALUES ($name, $position)
        ON CONFLICT (name) DO UPDATE SET position = excluded.position
        """;

    private const string Select = "SELECT position FROM eventbus_checkpoints WHERE name = $name";
    private const string Delete = "DELETE FROM eventbus_checkpoints WHERE name = $name";

    public ValueTask<long?> LoadAsync(string name, CancellationToken cancellationToken = default)
    {
        ValidateName(name);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(database.Read(name, static (session, n) =>
        {
            var select = session.Command(Select);
            select.Parameters.AddWithValue("$name", n);
            return select.ExecuteScalar() is long position ? position : (long?)null;
        }));
    }

    public ValueTask SaveAsync(string name, long position, CancellationToken cancellationToken = default)
    {
        ValidateName(name);
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        return new ValueTask(database.WriteAsync(
            session =>
            {
                var upsert = session.Command(Upsert);
                upsert.Parameters.AddWithValue("$name", name);
                upsert.Parameters.AddWithValue("$position", position);
                return upsert.ExecuteNonQuery();
            },
            cancellationToken));
    }

    public ValueTask DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        ValidateName(name);
        return new ValueTask(database.WriteAsync(
            session =>
            {
                var delete = session.Command(Delete);
                delete.Parameters.AddWithValue("$name", name);
                return delete.ExecuteNonQuery();
            },
            cancellationToken));
    }

    private static void ValidateName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.Length > SqliteConstants.MaxCheckpointNameLength)
        {
            throw new ArgumentException($"Checkpoint name '{name[..32]}…' is longer than {SqliteConstants.MaxCheckpointNameLength} characters.", nameof(name));
        }
    }
}
