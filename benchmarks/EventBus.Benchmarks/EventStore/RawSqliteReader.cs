using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Data.Sqlite;

namespace EventBus.Benchmarks.EventStore;

/// <summary>
/// The raw-SQL reference for typed reads of the global log: a hand-written Microsoft.Data.Sqlite reader over the SQLite
/// store's own file (same rows, same indexes): one prepared <c>SELECT</c> of the log in position order joined to the
/// stream table for the stream id, reading position, stream, version, event id, type and record time of each row and
/// deserializing its payload with System.Text.Json (the same serializer options as the store) into the type its type
/// name stands for. No paging, no envelope, no metadata, no upcasting: what a hand-written typed read costs.
/// </summary>
public sealed class RawSqliteReader : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _select;
    private readonly SqliteParameter _from;
    private readonly SqliteParameter _take;
    private readonly JsonTypeInfo<Deposited> _deposited;

    public RawSqliteReader(string databasePath, JsonSerializerOptions json)
    {
        _connection = new SqliteConnection($"Data Source={databasePath};Mode=ReadOnly;Pooling=False");
        _connection.Open();
        _select = _connection.CreateCommand();
        _select.CommandText = """
            SELECT e.position, e.stream_version, e.event_id, e.event_type, e.data, e.recorded_ticks, s.stream_id
            FROM eventbus_events e JOIN eventbus_streams s ON s.stream_key = e.stream_key
            WHERE e.position >= $from
            ORDER BY e.position
            LIMIT $take
            """;
        _from = _select.Parameters.Add("$from", SqliteType.Integer);
        _take = _select.Parameters.Add("$take", SqliteType.Integer);
        _select.Prepare();
        _deposited = (JsonTypeInfo<Deposited>)json.GetTypeInfo(typeof(Deposited));
    }

    /// <summary>Reads up to <paramref name="take"/> events from <paramref name="from"/>; returns how many were
    /// deposits (the caller checks the count, so nothing is skipped silently).</summary>
    public long ReadAll(long from, long take)
    {
        _from.Value = from;
        _take.Value = take;
        using var reader = _select.ExecuteReader();
        long deposits = 0;
        while (reader.Read())
        {
            var row = new RawEvent(
                reader.GetInt64(0),
                reader.GetString(6),
                reader.GetInt64(1),
                reader.GetString(2),
                reader.GetString(3),
                new DateTimeOffset(reader.GetInt64(5), TimeSpan.Zero),
                null);
            if (row.EventType == StoreEvents.DepositedType)
            {
                row = row with { Payload = JsonSerializer.Deserialize(reader.GetFieldValue<byte[]>(4), _deposited) };
            }

            deposits += row.Payload is Deposited && row.StreamVersion > 0 ? 1 : 0;
        }

        return deposits;
    }

    public void Dispose()
    {
        _select.Dispose();
        _connection.Dispose();
    }

    private readonly record struct RawEvent(long Position, string StreamId, long StreamVersion, string EventId, string EventType, DateTimeOffset Recorded, object? Payload);
}
