using System.Globalization;
using Microsoft.Data.Sqlite;

namespace EventBus.Sqlite.Storage;

/// <summary>The versioned schema: which tables make an EventBus database and the forward migrations between
/// versions. A database records every applied step in <see cref="VersionTable"/>.</summary>
internal static class SqliteSchema
{
    public const string VersionTable = "eventbus_schema_version";

    // Rows of eventbus_events are never deleted (truncation empties the payload of pruned events and deletion only
    // tombstones the stream), so MAX(position) never goes down and positions are never reused.
    private const string V1 = """
        CREATE TABLE eventbus_schema_version (
            version INTEGER PRIMARY KEY NOT NULL,
            description TEXT NOT NULL,
            applied_utc TEXT NOT NULL
        );
        CREATE TABLE eventbus_streams (
            stream_key INTEGER PRIMARY KEY,
            stream_id TEXT NOT NULL UNIQUE,
            version INTEGER NOT NULL,
            first_version INTEGER NOT NULL,
            deleted INTEGER NOT NULL
        );
        CREATE TABLE eventbus_events (
            position INTEGER PRIMARY KEY,
            stream_key INTEGER NOT NULL,
            stream_version INTEGER NOT NULL,
            event_id TEXT NOT NULL,
            event_type TEXT NOT NULL,
            data_version TEXT NOT NULL,
            data BLOB NOT NULL,
            metadata BLOB NOT NULL,
            recorded_ticks INTEGER NOT NULL
        );
        CREATE UNIQUE INDEX eventbus_events_by_stream ON eventbus_events (stream_key, stream_version);
        CREATE UNIQUE INDEX eventbus_events_by_event_id ON eventbus_events (event_id);
        CREATE TABLE eventbus_snapshots (
            stream_id TEXT PRIMARY KEY NOT NULL,
            stream_version INTEGER NOT NULL,
            schema_version INTEGER NOT NULL,
            data BLOB NOT NULL,
            created_ticks INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE eventbus_checkpoints (
            name TEXT PRIMARY KEY NOT NULL,
            position INTEGER NOT NULL
        ) WITHOUT ROWID;
        """;

    // Rows keep their insertion order in an AUTOINCREMENT key (never reused, even after deletes): dead letters tie
    // on first failure time in that order, sagas are listed in creation order, the inbox forgets its oldest ids first.
    private const string V2 = """
        CREATE TABLE eventbus_dead_letters (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            subscription_name TEXT NOT NULL,
            reason TEXT NOT NULL,
            exception_type TEXT,
            event_type TEXT NOT NULL,
            correlation_id TEXT,
            first_failure_ticks INTEGER NOT NULL,
            last_failure_ticks INTEGER NOT NULL,
            entry BLOB NOT NULL
        );
        CREATE INDEX eventbus_dead_letters_by_first_failure ON eventbus_dead_letters (first_failure_ticks, seq);
        CREATE INDEX eventbus_dead_letters_by_subscription ON eventbus_dead_letters (subscription_name);
        CREATE TABLE eventbus_inbox (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            subscription_name TEXT NOT NULL,
            event_id TEXT NOT NULL,
            added_ticks INTEGER NOT NULL,
            UNIQUE (subscription_name, event_id)
        );
        CREATE INDEX eventbus_inbox_by_order ON eventbus_inbox (subscription_name, seq);
        CREATE INDEX eventbus_inbox_by_time ON eventbus_inbox (subscription_name, added_ticks);
        CREATE TABLE eventbus_sagas (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            saga_name TEXT NOT NULL,
            correlation_key TEXT NOT NULL,
            version INTEGER NOT NULL,
            status TEXT NOT NULL,
            state BLOB NOT NULL,
            instance BLOB NOT NULL,
            UNIQUE (saga_name, correlation_key)
        );
        """;

    // Pending saga timeouts as claimable work, beside the instance documents that list them (the record): a save
    // writes both in one transaction. A completed row stays while its instance still lists the timeout, so a later save
    // cannot make it claimable again. Existing timeouts are copied from the documents.
    private const string V3 = """
        CREATE TABLE eventbus_saga_timeouts (
            saga_name TEXT NOT NULL,
            correlation_key TEXT NOT NULL,
            timeout_id TEXT NOT NULL,
            due_ticks INTEGER NOT NULL,
            claimed_by TEXT,
            claimed_until_ticks INTEGER,
            completed INTEGER NOT NULL DEFAULT 0,
            timeout BLOB NOT NULL,
            PRIMARY KEY (saga_name, correlation_key, timeout_id)
        ) WITHOUT ROWID;
        CREATE INDEX eventbus_saga_timeouts_by_due ON eventbus_saga_timeouts (saga_name, due_ticks) WHERE completed = 0;
        INSERT OR IGNORE INTO eventbus_saga_timeouts (saga_name, correlation_key, timeout_id, due_ticks, timeout)
        SELECT s.saga_name, s.correlation_key, json_extract(t.value, '$.id'),
               CAST(round(unixepoch(json_extract(t.value, '$.dueTime'), 'subsec') * 1000) AS INTEGER) * 10000 + 621355968000000000,
               CAST(t.value AS BLOB)
        FROM eventbus_sagas AS s, json_each(CAST(s.instance AS TEXT), '$.timeouts') AS t;
        """;

    public static IReadOnlyList<SchemaMigration> Migrations { get; } =
    [
        new(1, "event store, snapshots and checkpoints", V1),
        new(2, "dead letters, idempotency inbox and saga instances", V2),
        new(3, "saga timeouts as claimable work", V3),
    ];

    /// <summary>Checks, without writing, that the database is empty or an EventBus database this version can use.</summary>
    /// <returns>The schema version found (0 for an empty database).</returns>
    /// <exception cref="SqliteDatabaseException">The database holds foreign tables and no EventBus schema, or a
    /// schema newer than <paramref name="migrations"/>.</exception>
    public static int EnsureCompatible(SqliteConnection connection, string dataSource, IReadOnlyList<SchemaMigration> migrations) =>
        ReadCompatibleVersion(connection, null, dataSource, migrations);

    /// <summary>Brings the schema of an open database up to the last of <paramref name="migrations"/>, in one
    /// IMMEDIATE transaction so that two processes opening a new file do not both create it.</summary>
    /// <returns>The version found and the version reached.</returns>
    /// <exception cref="SqliteDatabaseException">The database holds foreign tables and no EventBus schema, or a
    /// schema newer than <paramref name="migrations"/>.</exception>
    public static (int From, int To) Migrate(SqliteConnection connection, string dataSource, IReadOnlyList<SchemaMigration> migrations, TimeProvider timeProvider)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        var current = ReadCompatibleVersion(connection, transaction, dataSource, migrations);
        var reached = current;
        foreach (var migration in migrations)
        {
            if (migration.Version <= current)
            {
                continue;
            }

            using (var ddl = connection.CreateCommand())
            {
                ddl.Transaction = transaction;
                ddl.CommandText = migration.Sql;
                ddl.ExecuteNonQuery();
            }

            using var record = connection.CreateCommand();
            record.Transaction = transaction;
            record.CommandText = $"INSERT INTO {VersionTable} (version, description, applied_utc) VALUES ($version, $description, $applied)";
            record.Parameters.AddWithValue("$version", migration.Version);
            record.Parameters.AddWithValue("$description", migration.Description);
            record.Parameters.AddWithValue("$applied", timeProvider.GetUtcNow().ToString("O", CultureInfo.InvariantCulture));
            record.ExecuteNonQuery();
            reached = migration.Version;
        }

        transaction.Commit();
        return (current, reached);
    }

    private static int ReadCompatibleVersion(SqliteConnection connection, SqliteTransaction? transaction, string dataSource, IReadOnlyList<SchemaMigration> migrations)
    {
        var tables = ListTables(connection, transaction);
        int current;
        if (tables.Contains(VersionTable))
        {
            current = ReadVersion(connection, transaction);
        }
        else if (tables.Count == 0)
        {
            current = 0;
        }
        else
        {
            var shown = string.Join(", ", tables.Order(StringComparer.Ordinal).Take(5));
            throw new SqliteDatabaseException(dataSource, SqliteDatabaseError.NotAnEventBusDatabase,
                $"SQLite database '{dataSource}' is not an EventBus database: it has tables of another application ({shown}{(tables.Count > 5 ? ", …" : string.Empty)}) and no {VersionTable} table. Give EventBus a file of its own.");
        }

        var latest = migrations.Count == 0 ? 0 : migrations[^1].Version;
        if (current > latest)
        {
            throw new SqliteDatabaseException(dataSource, SqliteDatabaseError.UnsupportedSchemaVersion,
                $"SQLite database '{dataSource}' has EventBus schema version {current}, newer than version {latest} that this EventBus.Sqlite knows; it was written by a newer release. Upgrade the EventBus.Sqlite package.");
        }

        return current;
    }

    private static HashSet<string> ListTables(SqliteConnection connection, SqliteTransaction? transaction)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'";
        using var reader = command.ExecuteReader();
        var tables = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read())
        {
            tables.Add(reader.GetString(0));
        }

        return tables;
    }

    private static int ReadVersion(SqliteConnection connection, SqliteTransaction? transaction)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT COALESCE(MAX(version), 0) FROM {VersionTable}";
        return Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }
}
