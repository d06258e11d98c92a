using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using EventBus.Sqlite.Serialization;
using EventBus.Sqlite.Storage;
using Microsoft.Data.Sqlite;

namespace EventBus.Sqlite.DeadLetters;

/// <summary>Keeps dead letters in the SQLite database, so they survive restarts and can be redriven later. The
/// filters of a <see cref="DeadLetterQuery"/> run as SQL on columns of their own (a wildcard event-type pattern is
/// matched in memory on the type column); the rest of an entry is one JSON document. Unlike the in-memory store it
/// has no capacity: entries stay until they are redriven or deleted.</summary>
/// <remarks>A row that cannot be read back (an event type that is not valid, JSON that cannot be read, a reason this
/// version does not know) is returned as an entry with <see cref="DeadLetter.ReadError"/> and
/// <see cref="DeadLetter.RawEntry"/> set, so one bad row never fails a query or blocks a redrive.</remarks>
internal sealed class SqliteDeadLetterStore(SqliteDatabase database, SqliteJson json) : IDeadLetterStore
{
    // Adding an id again replaces the entry in place (an idempotent retry of the same add).
    private const string Upsert = """
        INSERT INTO eventbus_dead_letters (id, subscription_name, reason, exception_type, event_type, correlation_id, first_failure_ticks, last_failure_ticks, entry)
        VALUES ($id, $subscription_name, $reason, $exception_type, $event_type, $correlation_id, $first_failure_ticks, $last_failure_ticks, $entry)
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

    private const string DeleteById = "DELETE FROM eventbus_dead_letters WHERE id = $id";
    private const string DeleteBySeq = "DELETE FROM eventbus_dead_letters WHERE seq = $seq";
    private const string Columns = "seq, first_failure_ticks, id, subscription_name, reason, exception_type, event_type, entry, last_failure_ticks, correlation_id";

    public ValueTask AddAsync(DeadLetter deadLetter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deadLetter);
        ArgumentException.ThrowIfNullOrEmpty(deadLetter.Id, nameof(deadLetter) + ".Id");
        ArgumentNullException.ThrowIfNull(deadLetter.Event, nameof(deadLetter) + ".Event");
        ArgumentNullException.ThrowIfNull(deadLetter.SubscriptionName, nameof(deadLetter) + ".SubscriptionName");

        // Serialized on the caller's thread: the writer only runs SQL.
        var document = new DeadLetterDocument
        {
            Event = json.ToStored(deadLetter.Event),
            ExceptionMessage = deadLetter.ExceptionMessage,
            StackTrace = deadLetter.StackTrace,
            AttemptCount = deadLetter.AttemptCount,
            FirstFailureTime = deadLetter.FirstFailureTime,
            LastFailureTime = deadLetter.LastFailureTime,
            RedriveCount = deadLetter.RedriveCount,
            PreviousFailures = deadLetter.PreviousFailures.Count == 0 ? null : [.. deadLetter.PreviousFailures],
        };
        var entry = JsonSerializer.SerializeToUtf8Bytes(document, SqliteJsonContext.Default.DeadLetterDocument);
        return new ValueTask(database.WriteAsync(
            session =>
            {
                var upsert = session.Command(Upsert);
                upsert.Parameters.AddWithValue("$id", deadLetter.Id);
                upsert.Parameters.AddWithValue("$subscription_name", deadLetter.SubscriptionName);
                upsert.Parameters.AddWithValue("$reason", deadLetter.Reason.ToString());
                upsert.Parameters.AddWithValue("$exception_type", (object?)deadLetter.ExceptionType ?? DBNull.Value);
                upsert.Parameters.AddWithValue("$event_type", deadLetter.Event.Type);
                upsert.Parameters.AddWithValue("$correlation_id", (object?)deadLetter.Event.CorrelationId ?? DBNull.Value);
                upsert.Parameters.AddWithValue("$first_failure_ticks", deadLetter.FirstFailureTime.UtcTicks);
                upsert.Parameters.AddWithValue("$last_failure_ticks", deadLetter.LastFailureTime.UtcTicks);
                upsert.Parameters.AddWithValue("$entry", entry);
                return upsert.ExecuteNonQuery();
            },
            cancellationToken));
    }

    public IAsyncEnumerable<DeadLetter> QueryAsync(DeadLetterQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return QueryCoreAsync(query, cancellationToken);
    }

    public ValueTask<long> CountAsync(DeadLetterQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        cancellationToken.ThrowIfCancellationRequested();
        var filter = Filter.From(query);
        return ValueTask.FromResult(database.Read(filter, static (session, f) =>
        {
            if (f.Pattern is null)
            {
                var count = f.Bind(session.Command("SELECT COUNT(*) FROM eventbus_dead_letters" + f.Where));
                return (long)count.ExecuteScalar()!;
            }

            return f.MatchingSeqs(session).Count;
        }));
    }

    public ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        return new ValueTask<bool>(database.WriteAsync(
            session =>
            {
                var delete = session.Command(DeleteById);
                delete.Parameters.AddWithValue("$id", id);
                return delete.ExecuteNonQuery() > 0;
            },
            cancellationToken));
    }

    public ValueTask<long> DeleteAsync(DeadLetterQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var filter = Filter.From(query);
        return new ValueTask<long>(database.WriteAsync(
            session =>
            {
                if (filter.Pattern is null)
                {
                    return (long)filter.Bind(session.Command("DELETE FROM eventbus_dead_letters" + filter.Where)).ExecuteNonQuery();
                }

                long deleted = 0;
                foreach (var seq in filter.MatchingSeqs(session))
                {
                    var delete = session.Command(DeleteBySeq);
                    delete.Parameters.AddWithValue("$seq", seq);
                    deleted += delete.ExecuteNonQuery();
                }

                return deleted;
            },
            cancellationToken));
    }

    private async IAsyncEnumerable<DeadLetter> QueryCoreAsync(DeadLetterQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var filter = Filter.From(query);
        var remaining = query.Limit is { } limit ? Math.Max(limit, 0) : long.MaxValue;
        var after = (Ticks: long.MinValue, Seq: 0L);
        while (remaining > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();

            // A page is read and the connection returned before anything is yielded, so a slow consumer (a redrive)
            // holds no read transaction open.
            var (rows, last, full) = database.Read((filter, after), static (session, state) => ReadPage(session, state.filter, state.after));
            foreach (var row in rows)
            {
                if (remaining-- <= 0)
                {
                    yield break;
                }

                yield return ToDeadLetter(row);
            }

            if (!full)
            {
                yield break;
            }

            after = last;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    private static (List<Row> Rows, (long Ticks, long Seq) Last, bool Full) ReadPage(SqliteSession session, Filter filter, (long Ticks, long Seq) after)
    {
        var sql = new StringBuilder("SELECT ").Append(Columns).Append(" FROM eventbus_dead_letters")
            .Append(filter.Where.Length == 0 ? " WHERE " : filter.Where + " AND ")
            .Append("(first_failure_ticks > $after_ticks OR (first_failure_ticks = $after_ticks AND seq > $after_seq))")
            .Append(" ORDER BY first_failure_ticks, seq LIMIT $take")
            .ToString();
        var select = filter.Bind(session.Command(sql));
        select.Parameters.AddWithValue("$after_ticks", after.Ticks);
        select.Parameters.AddWithValue("$after_seq", after.Seq);
        select.Parameters.AddWithValue("$take", SqliteConstants.ReadPageSize);
        using var reader = select.ExecuteReader();
        var rows = new List<Row>();
        var read = 0;
        var last = after;
        while (reader.Read())
        {
            read++;
            last = (reader.GetInt64(1), reader.GetInt64(0));
            var eventType = reader.GetString(6);
            if (filter.Pattern is { } pattern && !pattern.IsMatch(eventType))
            {
                continue;
            }

            rows.Add(new Row(
                reader.GetString(2),
                reader.GetString(3),
                reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                eventType,
                reader.IsDBNull(9) ? null : reader.GetString(9),
                reader.GetInt64(1),
                reader.GetInt64(8),
                reader.GetValue(7) as byte[] ?? Encoding.UTF8.GetBytes(Convert.ToString(reader.GetValue(7), CultureInfo.InvariantCulture) ?? string.Empty)));
        }

        return (rows, last, read == SqliteConstants.ReadPageSize);
    }

    private DeadLetter ToDeadLetter(Row row)
    {
        DeadLetterDocument? document = null;
        try
        {
            document = JsonSerializer.Deserialize(row.Entry, SqliteJsonContext.Default.DeadLetterDocument)
                ?? throw new JsonException("the entry document is JSON null.");
            if (!Enum.TryParse<DeadLetterReason>(row.Reason, out var reason) || !Enum.IsDefined(reason))
            {
                throw new JsonException($"reason '{row.Reason}' is unknown to this version of EventBus.");
            }

            return new DeadLetter
            {
                Id = row.Id,
                Event = json.FromStored(document.Event),
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
        private readonly List<(string Name, object Value)> _parameters = [];

        public string Where { get; private set; } = string.Empty;

        public TopicPattern? Pattern { get; private set; }

        public static Filter From(DeadLetterQuery query)
        {
            var filter = new Filter();
            var clauses = new List<string>();
            void Add(string clause, string name, object value)
            {
                clauses.Add(clause);
                filter._parameters.Add((name, value));
            }

            if (query.SubscriptionName is { } subscription)
            {
                Add("subscription_name = $subscription_name", "$subscription_name", subscription);
            }

            if (query.EventType is { } pattern)
            {
                if (pattern.IsExact)
                {
                    Add("event_type = $event_type", "$event_type", pattern.Value);
                }
                else
                {
                    filter.Pattern = pattern;
                }
            }

            if (query.Reason is { } reason)
            {
                Add("reason = $reason", "$reason", reason.ToString());
            }

            if (query.ExceptionType is { } exceptionType)
            {
                Add("exception_type = $exception_type", "$exception_type", exceptionType);
            }

            if (query.CorrelationId is { } correlationId)
            {
                Add("correlation_id = $correlation_id", "$correlation_id", correlationId);
            }

            if (query.FailedFrom is { } from)
            {
                Add("last_failure_ticks >= $failed_from", "$failed_from", from.UtcTicks);
            }

            if (query.FailedBefore is { } before)
            {
                Add("last_failure_ticks < $failed_before", "$failed_before", before.UtcTicks);
            }

            filter.Where = clauses.Count == 0 ? string.Empty : " WHERE " + string.Join(" AND ", clauses);
            return filter;
        }

        public SqliteCommand Bind(SqliteCommand command)
        {
            foreach (var (name, value) in _parameters)
            {
                command.Parameters.AddWithValue(name, value);
            }

            return command;
        }

        /// <summary>The rows that pass the SQL filters and the in-memory pattern.</summary>
        public List<long> MatchingSeqs(SqliteSession session)
        {
            var select = Bind(session.Command("SELECT seq, event_type FROM eventbus_dead_letters" + Where));
            using var reader = select.ExecuteReader();
            var seqs = new List<long>();
            while (reader.Read())
            {
                if (Pattern is null || Pattern.IsMatch(reader.GetString(1)))
                {
                    seqs.Add(reader.GetInt64(0));
                }
            }

            return seqs;
        }
    }
}
