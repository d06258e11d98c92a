using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;

namespace EventBus.Benchmarks.EventStore;

/// <summary>
/// The raw-SQL reference for appends: Microsoft.Data.Sqlite, WAL, <c>synchronous=FULL</c>, one <c>BEGIN IMMEDIATE</c>
/// transaction per batch and one prepared <c>INSERT</c> per event into a table of the same row shape (columns and
/// unique indexes) as the SQLite event store's <c>eventbus_events</c>. No version check, no stream row, no
/// idempotency lookup, no group commit: what a hand-written append costs.
/// </summary>
public sealed class RawSqliteAppender : IDisposable
{
    private const string Schema = """
        CREATE TABLE events (
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
        CREATE UNIQUE INDEX events_by_stream ON events (stream_key, stream_version);
        CREATE UNIQUE INDEX events_by_event_id ON events (event_id);
        """;

    private readonly string _directory;
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _insert;
    private readonly SqliteParameter _streamKey;
    private readonly SqliteParameter _streamVersion;
    private readonly SqliteParameter _eventId;
    private readonly SqliteParameter _eventType;
    private readonly SqliteParameter _dataVersion;
    private readonly SqliteParameter _data;
    private readonly SqliteParameter _metadata;
    private readonly SqliteParameter _recordedTicks;
    private long _streamKeyValue;

    public RawSqliteAppender()
    {
        _directory = Directory.CreateTempSubdirectory("eventbus-bench-raw-").FullName;
        _connection = new SqliteConnection($"Data Source={Path.Combine(_directory, "raw.db")};Pooling=False");
        _connection.Open();
        Execute("PRAGMA journal_mode = WAL");
        Execute("PRAGMA synchronous = FULL");
        Execute(Schema);
        _insert = _connection.CreateCommand();
        _insert.CommandText = """
            INSERT INTO events (stream_key, stream_version, event_id, event_type, data_version, data, metadata, recorded_ticks)
            VALUES ($stream_key, $stream_version, $event_id, $event_type, $data_version, $data, $metadata, $recorded_ticks)
            """;
        _streamKey = _insert.Parameters.Add("$stream_key", SqliteType.Integer);
        _streamVersion = _insert.Parameters.Add("$stream_version", SqliteType.Integer);
        _eventId = _insert.Parameters.Add("$event_id", SqliteType.Text);
        _eventType = _insert.Parameters.Add("$event_type", SqliteType.Text);
        _dataVersion = _insert.Parameters.Add("$data_version", SqliteType.Text);
        _data = _insert.Parameters.Add("$data", SqliteType.Blob);
        _metadata = _insert.Parameters.Add("$metadata", SqliteType.Blob);
        _recordedTicks = _insert.Parameters.Add("$recorded_ticks", SqliteType.Integer);
        _insert.Prepare();
    }

    /// <summary>Starts a new stream: the following appends use the next stream key from version 1.</summary>
    public void NewStream() => _streamKeyValue++;

    /// <summary>Inserts <paramref name="events"/> after <paramref name="version"/> in one transaction; returns the new version.</summary>
    public long Append(long version, IReadOnlyList<EventData> events)
    {
        using var transaction = _connection.BeginTransaction(deferred: false);
        _insert.Transaction = transaction;
        var ticks = DateTimeOffset.UtcNow.UtcTicks;
        foreach (var e in events)
        {
            _streamKey.Value = _streamKeyValue;
            _streamVersion.Value = ++version;
            _eventId.Value = e.EventId;
            _eventType.Value = e.EventType;
            _dataVersion.Value = e.DataVersion;
            _data.Value = Bytes(e.Data);
            _metadata.Value = Bytes(e.Metadata);
            _recordedTicks.Value = ticks;
            _insert.ExecuteNonQuery();
        }

        transaction.Commit();
        return version;
    }

    public void Dispose()
    {
        _insert.Dispose();
        _connection.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private static byte[] Bytes(ReadOnlyMemory<byte> memory) =>
        MemoryMarshal.TryGetArray(memory, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : memory.ToArray();

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
