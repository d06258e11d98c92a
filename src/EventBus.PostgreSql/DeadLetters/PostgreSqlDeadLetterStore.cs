using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using EventBus.PostgreSql.Serialization;
using EventBus.PostgreSql.Storage;
using Npgsql;

namespace EventBus.PostgreSql.DeadLetters;

/// <summary>Keeps dead letters in the PostgreSQL schema, so they survive restarts and can be redriven from any app
/// instance. The filters of a <see cref="DeadLetterQuery"/> run as SQL on columns of their own (a wildcard
/// event-type pattern is matched in memory on the type column); the rest of an entry is one JSON document. Unlike
/// the in-memory store it has no capacity: entries stay until they are redriven or deleted.</summary>
internal sealed class PostgreSqlDeadLetterStore : IDeadLetterStore
{
    private const string Columns = "seq, first_failure_ticks, id, subscription_name, reason, exception_type, event_type, entry, last_failure_ticks, correlation_id";

    private readonly PostgreSqlDatabase _database;
    private readonly PostgreSqlJson _json;
    private readonly string _table;
    private readonly string _upsert;

    public PostgreSqlDeadLetterStore(PostgreSqlDatabase database, PostgreSqlJson json)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(json);
        _database = database;
        _json = json;
        _table = $"{database.Schema}.dead_letters";

        // Adding an id again replaces the entry in place (an idempotent retry of the same add).
        _upsert = $"""
            INSERT INTO {_table} (id, subscription_name, reason, exception_type, event_type, correlation_id, first_failure_ticks, last_failure_ticks, entry)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            ON CONFLICT (id) DO UPDATE SET
                subscription_name = excluded.subscription_name,
                reason = excluded.reason,
                exception_type = excluded.exception_type,
                event_type = excluded.event_type,
                correlation_id = excluded.correlation_id,
                first_failure_ticks = excluded.first_failure_ticks,
                last_failure_ticks = excluded.last_failure_ticks,
                entry = excluded.entry
            """;
    }

    public async ValueTask AddAsync(DeadLetter deadLetter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deadLetter);
        ArgumentException.ThrowIfNullOrEmpty(deadLetter.Id, nameof(deadLetter) + ".Id");
        ArgumentNullException.ThrowIfNull(deadLetter.Event, nameof(deadLetter) + ".Event");
        ArgumentNullException.ThrowIfNull(deadLetter.SubscriptionName, nameof(deadLetter) + ".SubscriptionName");
        var document = new DeadLetterDocument
        {
            Event = _json.ToStored(deadLetter.Event),
            ExceptionMessage = deadLetter.ExceptionMessage,
            StackTrace = deadLetter.StackTrace,
            AttemptCount = deadLetter.AttemptCount,
            FirstFailureTime = deadLetter.FirstFailureTime,
            LastFailureTime = deadLetter.LastFailureTime,
            RedriveCount = deadLetter.RedriveCount,
            PreviousFailures = deadLetter.PreviousFailures.Count == 0 ? null : [.. deadLetter.PreviousFailures],
        };
        var entry = JsonSerializer.SerializeToUtf8Bytes(document, PostgreSqlJsonContext.Default.DeadLetterDocument);
        var command = await _database.CommandAsync(_upsert, cancellationToken).ConfigureAwait(false);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = deadLetter.Id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = deadLetter.SubscriptionName });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = deadLetter.Reason.ToString() });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)deadLetter.ExceptionType ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = deadLetter.Event.Type });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)deadLetter.Event.CorrelationId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = deadLetter.FirstFailureTime.UtcTicks });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = deadLetter.LastFailureTime.UtcTicks });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = entry });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public IAsyncEnumerable<DeadLetter> QueryAsync(DeadLetterQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return QueryCoreAsync(query, cancellationToken);
    }

    public async ValueTask<long> CountAsync(DeadLetterQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var filter = Filter.From(query);
        if (filter.Pattern is null)
        {
            var count = filter.Bind(await _database.CommandAsync($"SELECT count(*) FROM {_table}{filter.Where}", cancellationToken).ConfigureAwait(false));
            await using var countScope = count.ConfigureAwait(false);
            return (long)(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        return (await MatchingSeqsAsync(filter, cancellationToken).ConfigureAwait(false)).Length;
    }

    public async ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        var command = await _database.CommandAsync($"DELETE FROM {_table} WHERE id = $1", cancellationToken).ConfigureAwait(false);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    public async ValueTask<long> DeleteAsync(DeadLetterQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var filter = Filter.From(query);
        if (filter.Pattern is null)
        {
            var delete = filter.Bind(await _database.CommandAsync($"DELETE FROM {_table}{filter.Where}", cancellationToken).ConfigureAwait(false));
            await using var deleteScope = delete.ConfigureAwait(false);
            return await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var seqs = await MatchingSeqsAsync(filter, cancellationToken).ConfigureAwait(false);
        var command = await _database.CommandAsync($"DELETE FROM {_table} WHERE seq = ANY($1)", cancellationToken).ConfigureAwait(false);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = seqs });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<long[]> MatchingSeqsAsync(Filter filter, CancellationToken cancellationToken)
    {
        var select = filter.Bind(await _database.CommandAsync($"SELECT seq, event_type FROM {_table}{filter.Where}", cancellationToken).ConfigureAwait(false));
        await using var selectScope = select.ConfigureAwait(false);
        var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var seqs = new List<long>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (filter.Pattern is null || filter.Pattern.IsMatch(reader.GetString(1)))
            {
                seqs.Add(reader.GetInt64(0));
            }
        }

        return [.. seqs];
    }

    private async IAsyncEnumerable<DeadLetter> QueryCoreAsync(DeadLetterQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var filter = Filter.From(query);
        var remaining = query.Limit is { } limit ? Math.Max(limit, 0) : long.MaxValue;
        var after = (Ticks: long.MinValue, Seq: 0L);
        var sql = new StringBuilder("SELECT ").Append(Columns).Append(" FROM ").Append(_table)
            .Append(filter.Where.Length == 0 ? " WHERE " : filter.Where + " AND ")
            .Append("(first_failure_ticks, seq) > (@after_ticks, @after_seq)")
            .Append(" ORDER BY first_failure_ticks, seq LIMIT @take")
            .ToString();
        while (remaining > 0)
        {
            // A page is read and the connection returned before anything is yielded, so a slow consumer (a redrive)
            // holds no connection.
            var rows = new List<Row>();
            var read = 0;
            var select = filter.Bind(await _database.CommandAsync(sql, cancellationToken).ConfigureAwait(false));
            await using (select.ConfigureAwait(false))
            {
                select.Parameters.Add(new NpgsqlParameter<long>("after_ticks", after.Ticks));
                select.Parameters.Add(new NpgsqlParameter<long>("after_seq", after.Seq));
                select.Parameters.Add(new NpgsqlParameter<int>("take", PostgreSqlConstants.SmallPageSize));
                var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using var readerScope = reader.ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    read++;
                    after = (reader.GetInt64(1), reader.GetInt64(0));
                    if (filter.Pattern is { } pattern && !pattern.IsMatch(reader.GetString(6)))
                    {
                        continue;
                    }

                    rows.Add(new Row(
                        reader.GetString(2),
                        reader.GetString(3),
                        reader.GetString(4),
                        reader.IsDBNull(5) ? null : reader.GetString(5),
                        reader.GetString(6),
                        reader.IsDBNull(9) ? null : reader.GetString(9),
                        reader.GetInt64(1),
                        reader.GetInt64(8),
                        reader.GetFieldValue<byte[]>(7)));
                }
            }

            foreach (var row in rows)
            {
                if (remaining-- <= 0)
                {
                    yield break;
                }

                yield return ToDeadLetter(row);
            }

            if (read < PostgreSqlConstants.SmallPageSize)
            {
                yield break;
            }
        }
    }

    private DeadLetter ToDeadLetter(Row row)
    {
        DeadLetterDocument? document = null;
        try
        {
            document = JsonSerializer.Deserialize(row.Entry, PostgreSqlJsonContext.Default.DeadLetterDocument)
                ?? throw new JsonException("the entry document is JSON null.");
            if (!Enum.TryParse<DeadLetterReason>(row.Reason, out var reason) || !Enum.IsDefined(reason))
            {
                throw new JsonException($"reason '{row.Reason}' is unknown to this version of EventBus.");
            }

            return new DeadLetter
            {
                Id = row.Id,
                Event = _json.FromStored(document.Event),
                SubscriptionName = row.SubscriptionName,
                Reason = reason,
                ExceptionType = row.ExceptionType,
                ExceptionMessage = document.ExceptionMessage,
                StackTrace = document.StackTrace,
                AttemptCount = document.AttemptCount,
                FirstFailureTime = document.FirstFailureTime,
                LastFailureTime = document.LastFailureTime,
                RedriveCount = document.RedriveCount,
                PreviousFailures = document.PreviousFailures ?? [],
            };
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // One bad row must not fail the query (and with it every redrive): it comes back as what could be read.
            return Unreadable(row, document, ex);
        }
    }

    private static DeadLetter Unreadable(Row row, DeadLetterDocument? document, Exception error)
    {
        var eventId = document?.Event?.Id is { Length: <= 255 } id && !string.IsNullOrWhiteSpace(id) ? id : row.Id;
        var firstFailure = FromTicks(row.FirstFailureTicks);
        return new DeadLetter
        {
            Id = row.Id,
            Event = new Event(DeadLetter.UnreadableEventType) { Id = eventId, CorrelationId = row.CorrelationId, Time = firstFailure },
            SubscriptionName = row.SubscriptionName,
            Reason = Enum.TryParse<DeadLetterReason>(row.Reason, out var reason) && Enum.IsDefined(reason) ? reason : DeadLetterReason.HandlerFailed,
            ExceptionType = row.ExceptionType,
            ExceptionMessage = document?.ExceptionMessage,
            StackTrace = document?.StackTrace,
            AttemptCount = document?.AttemptCount ?? 0,
            FirstFailureTime = firstFailure,
            LastFailureTime = FromTicks(row.LastFailureTicks),
            RedriveCount = document?.RedriveCount ?? 0,
            PreviousFailures = document?.PreviousFailures ?? [],
            ReadError = $"Dead letter '{row.Id}' (subscription '{row.SubscriptionName}', event type '{row.EventType}') cannot be read: {error.Message}",
            RawEntry = Encoding.UTF8.GetString(row.Entry),
        };
    }

    // The columns are as hand-editable as the document: out-of-range ticks must not make the stand-in throw.
    private static DateTimeOffset FromTicks(long ticks) =>
        new(Math.Clamp(ticks, DateTimeOffset.MinValue.UtcTicks, DateTimeOffset.MaxValue.UtcTicks), TimeSpan.Zero);

    private sealed record Row(
        string Id,
        string SubscriptionName,
        string Reason,
        string? ExceptionType,
        string EventType,
        string? CorrelationId,
        long FirstFailureTicks,
        long LastFailureTicks,
        byte[] Entry);

    /// <summary>A query's filters as a parameterized WHERE clause; a wildcard event-type pattern stays in
    /// <see cref="Pattern"/> and is matched in memory.</summary>
    private sealed class Filter
    {
        private readonly List<NpgsqlParameter> _parameters = [];

        public string Where { get; private set; } = string.Empty;

        public TopicPattern? Pattern { get; private set; }

        public static Filter From(DeadLetterQuery query)
        {
            var filter = new Filter();
            var clauses = new List<string>();
            void Add<T>(string clause, string name, T value)
            {
                clauses.Add(clause);
                filter._parameters.Add(new NpgsqlParameter<T>(name, value));
            }

            if (query.SubscriptionName is { } subscription)
            {
                Add("subscription_name = @subscription_name", "subscription_name", subscription);
            }

            if (query.EventType is { } pattern)
            {
                if (pattern.IsExact)
                {
                    Add("event_type = @event_type", "event_type", pattern.Value);
                }
                else
                {
                    filter.Pattern = pattern;
                }
            }

            if (query.Reason is { } reason)
            {
                Add("reason = @reason", "reason", reason.ToString());
            }

            if (query.ExceptionType is { } exceptionType)
            {
                Add("exception_type = @exception_type", "exception_type", exceptionType);
            }

            if (query.CorrelationId is { } correlationId)
            {
                Add("correlation_id = @correlation_id", "correlation_id", correlationId);
            }

            if (query.FailedFrom is { } from)
            {
                Add("last_failure_ticks >= @failed_from", "failed_from", from.UtcTicks);
            }

            if (query.FailedBefore is { } before)
            {
                Add("last_failure_ticks < @failed_before", "failed_before", before.UtcTicks);
            }

            filter.Where = clauses.Count == 0 ? string.Empty : " WHERE " + string.Join(" AND ", clauses);
            return filter;
        }

        public NpgsqlCommand Bind(NpgsqlCommand command)
        {
            foreach (var parameter in _parameters)
            {
                command.Parameters.Add(parameter.Clone());
            }

            return command;
        }
    }
}
