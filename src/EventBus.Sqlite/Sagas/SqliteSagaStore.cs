using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using EventBus.Sqlite.Serialization;
using EventBus.Sqlite.Storage;

namespace EventBus.Sqlite.Sagas;

/// <summary>Keeps saga instances in the SQLite database with optimistic concurrency: a save checks and bumps the
/// stored version in one write of the single writer, so of two writers that read the same version (in this process
/// or another on the same file) exactly one wins and the other gets a <see cref="SagaConcurrencyException"/>.</summary>
/// <remarks>The state is JSON written and read as the <c>TState</c> the caller names; the stored data never names a
/// CLR type. <see cref="QueryAsync"/> does not know the state type, so it returns <see cref="SagaInstance{TState}"/>
/// of <see cref="JsonNode"/>: the state as raw JSON, everything else (timeouts, parked and outbox events) read in
/// full.</remarks>
internal sealed class SqliteSagaStore(SqliteDatabase database, SqliteJson json) : ISagaStore
{
    private const string SelectOne = "SELECT version, status, state, instance FROM eventbus_sagas WHERE saga_name = $saga_name AND correlation_key = $correlation_key";
    private const string SelectVersion = "SELECT version FROM eventbus_sagas WHERE saga_name = $saga_name AND correlation_key = $correlation_key";

    private const string Insert = """
        INSERT INTO eventbus_sagas (saga_name, correlation_key, version, status, state, instance)
        VALUES ($saga_name, $correlation_key, $version, $status, $state, $instance)
        """;

    private const string Update = """
        UPDATE eventbus_sagas SET version = $version, status = $status, state = $state, instance = $instance
        WHERE saga_name = $saga_name AND correlation_key = $correlation_key AND version = $expected_version
        """;

    private const string DropTimeouts = "DELETE FROM eventbus_saga_timeouts WHERE saga_name = $saga_name AND correlation_key = $correlation_key";

    private const string AddTimeout = """
        INSERT OR IGNORE INTO eventbus_saga_timeouts (saga_name, correlation_key, timeout_id, due_ticks, timeout)
        VALUES ($saga_name, $correlation_key, $timeout_id, $due_ticks, $timeout)
        """;

    private const string Claim = """
        UPDATE eventbus_saga_timeouts SET claimed_by = $claimant, claimed_until_ticks = $until_ticks
        WHERE saga_name = $saga_name AND (correlation_key, timeout_id) IN (
            SELECT correlation_key, timeout_id FROM eventbus_saga_timeouts
            WHERE saga_name = $saga_name AND completed = 0 AND due_ticks <= $now_ticks
              AND (claimed_until_ticks IS NULL OR claimed_until_ticks <= $now_ticks)
            ORDER BY due_ticks LIMIT $max)
        RETURNING correlation_key, due_ticks, timeout
        """;

    private const string Complete = """
        UPDATE eventbus_saga_timeouts SET completed = 1
        WHERE saga_name = $saga_name AND correlation_key = $correlation_key AND timeout_id = $timeout_id AND claimed_by = $claimant AND completed = 0
        """;

    private const string Release = """
        UPDATE eventbus_saga_timeouts SET claimed_by = NULL, claimed_until_ticks = NULL
        WHERE saga_name = $saga_name AND correlation_key = $correlation_key AND timeout_id = $timeout_id AND claimed_by = $claimant AND completed = 0
        """;

    public ValueTask<SagaInstance<TState>?> FindAsync<TState>(string sagaName, string correlationKey, CancellationToken cancellationToken = default)
        where TState : class
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sagaName);
        ArgumentException.ThrowIfNullOrEmpty(correlationKey);
        cancellationToken.ThrowIfCancellationRequested();
        var row = database.Read((sagaName, correlationKey), static (session, key) =>
        {
            var select = session.Command(SelectOne);
            select.Parameters.AddWithValue("$saga_name", key.sagaName);
            select.Parameters.AddWithValue("$correlation_key", key.correlationKey);
            using var reader = select.ExecuteReader();
            return reader.Read()
                ? new Row(key.sagaName, key.correlationKey, reader.GetInt64(0), reader.GetString(1), (byte[])reader.GetValue(2), (byte[])reader.GetValue(3))
                : null;
        });
        if (row is null)
        {
            return ValueTask.FromResult<SagaInstance<TState>?>(null);
        }

        TState? state;
        try
        {
            state = json.Deserialize<TState>(row.State);
        }
        catch (JsonException ex)
        {
            throw new JsonException(
                $"The state of saga '{sagaName}' instance '{correlationKey}' (version {row.Version}) cannot be read as {typeof(TState).Name}: {ex.Message} Two sagas may share the name '{sagaName}', or the state type changed incompatibly.",
                ex);
        }

        if (state is null)
        {
            throw new JsonException($"The state of saga '{sagaName}' instance '{correlationKey}' (version {row.Version}) is JSON null.");
        }

        return ValueTask.FromResult<SagaInstance<TState>?>(Fill(new SagaInstance<TState> { SagaName = sagaName, CorrelationKey = correlationKey, State = state }, row));
    }

    public ValueTask<long> SaveAsync<TState>(SagaInstance<TState> instance, long expectedVersion, CancellationToken cancellationToken = default)
        where TState : class
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentException.ThrowIfNullOrWhiteSpace(instance.SagaName, nameof(instance) + ".SagaName");
        ArgumentException.ThrowIfNullOrEmpty(instance.CorrelationKey, nameof(instance) + ".CorrelationKey");
        ArgumentNullException.ThrowIfNull(instance.State, nameof(instance) + ".State");
        ArgumentOutOfRangeException.ThrowIfNegative(expectedVersion);

        // Serialized on the caller's thread: the writer only runs SQL.
        var state = json.Serialize(instance.State);
        if (state.AsSpan().SequenceEqual("null"u8))
        {
            throw new ArgumentException($"The state of saga '{instance.SagaName}' instance '{instance.CorrelationKey}' serializes to JSON null; a saga's state must be a JSON value.", nameof(instance));
        }

        var stored = ToDocument(instance);
        var document = JsonSerializer.SerializeToUtf8Bytes(stored, SqliteJsonContext.Default.SagaDocument);
        var timeouts = stored.Timeouts?.Select(t => (t.Id, t.DueTime.UtcTicks, JsonSerializer.SerializeToUtf8Bytes(t, SqliteJsonContext.Default.StoredSagaTimeout))).ToList();
        var sagaName = instance.SagaName;
        var key = instance.CorrelationKey;
        var status = instance.Status.ToString();
        return new ValueTask<long>(database.WriteAsync(
            session =>
            {
                var select = session.Command(SelectVersion);
                select.Parameters.AddWithValue("$saga_name", sagaName);
                select.Parameters.AddWithValue("$correlation_key", key);
                var actual = select.ExecuteScalar() is long version ? version : 0L;
                if (actual != expectedVersion)
                {
                    throw new SagaConcurrencyException(sagaName, key, expectedVersion, actual);
                }

                var write = session.Command(expectedVersion == 0 ? Insert : Update);
                write.Parameters.AddWithValue("$saga_name", sagaName);
                write.Parameters.AddWithValue("$correlation_key", key);
                write.Parameters.AddWithValue("$version", expectedVersion + 1);
                write.Parameters.AddWithValue("$status", status);
                write.Parameters.AddWithValue("$state", state);
                write.Parameters.AddWithValue("$instance", document);
                if (expectedVersion != 0)
                {
                    write.Parameters.AddWithValue("$expected_version", expectedVersion);
                }

                write.ExecuteNonQuery();
                WriteTimeouts(session, sagaName, key, expectedVersion, timeouts);
                return expectedVersion + 1;
            },
            cancellationToken));
    }

    public ValueTask<IReadOnlyList<SagaTimeoutClaim>> ClaimDueTimeoutsAsync(
        string sagaName, DateTimeOffset now, string claimant, TimeSpan claimDuration, int maxCount, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sagaName);
        ArgumentException.ThrowIfNullOrWhiteSpace(claimant);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(claimDuration, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        var until = now + claimDuration;
        return new ValueTask<IReadOnlyList<SagaTimeoutClaim>>(ClaimCoreAsync(sagaName, now, claimant, until, maxCount, cancellationToken));
    }

    public ValueTask<bool> CompleteTimeoutAsync(SagaTimeoutClaim claim, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(claim);
        return new ValueTask<bool>(SettleAsync(Complete, claim, cancellationToken));
    }

    public ValueTask<bool> ReleaseTimeoutAsync(SagaTimeoutClaim claim, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(claim);
        return new ValueTask<bool>(SettleAsync(Release, claim, cancellationToken));
    }

    public IAsyncEnumerable<SagaInstance> QueryAsync(SagaQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return QueryCoreAsync(query, cancellationToken);
    }

    /// <summary>Keeps the instance's timeout rows in step with its list, in the save's transaction: rows of dropped
    /// timeouts go, new ones are added, and rows still listed keep their claim or completion.</summary>
    private static void WriteTimeouts(SqliteSession session, string sagaName, string key, long expectedVersion, List<(string Id, long DueTicks, byte[] Json)>? timeouts)
    {
        if (expectedVersion != 0)
        {
            var ids = timeouts ?? [];
            var drop = session.Command(DropTimeouts + (ids.Count == 0
                ? string.Empty
                : " AND timeout_id NOT IN (" + string.Join(", ", ids.Select((_, i) => "$id" + i.ToString(System.Globalization.CultureInfo.InvariantCulture))) + ")"));
            drop.Parameters.AddWithValue("$saga_name", sagaName);
            drop.Parameters.AddWithValue("$correlation_key", key);
            for (var i = 0; i < ids.Count; i++)
            {
                drop.Parameters.AddWithValue("$id" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), ids[i].Id);
            }

            drop.ExecuteNonQuery();
        }

        foreach (var (id, dueTicks, json) in timeouts ?? [])
        {
            var add = session.Command(AddTimeout);
            add.Parameters.AddWithValue("$saga_name", sagaName);
            add.Parameters.AddWithValue("$correlation_key", key);
            add.Parameters.AddWithValue("$timeout_id", id);
            add.Parameters.AddWithValue("$due_ticks", dueTicks);
            add.Parameters.AddWithValue("$timeout", json);
            add.ExecuteNonQuery();
        }
    }

    private async Task<IReadOnlyList<SagaTimeoutClaim>> ClaimCoreAsync(string sagaName, DateTimeOffset now, string claimant, DateTimeOffset until, int maxCount, CancellationToken cancellationToken)
    {
        var rows = await database.WriteAsync(
            session =>
            {
                var claim = session.Command(Claim);
                claim.Parameters.AddWithValue("$saga_name", sagaName);
                claim.Parameters.AddWithValue("$claimant", claimant);
                claim.Parameters.AddWithValue("$until_ticks", until.UtcTicks);
                claim.Parameters.AddWithValue("$now_ticks", now.UtcTicks);
                claim.Parameters.AddWithValue("$max", maxCount);
                using var reader = claim.ExecuteReader();
                var claimed = new List<(string Key, long DueTicks, byte[] Json)>();
                while (reader.Read())
                {
                    claimed.Add((reader.GetString(0), reader.GetInt64(1), (byte[])reader.GetValue(2)));
                }

                return claimed;
            },
            cancellationToken).ConfigureAwait(false);

        // Read after the write: the single writer only runs SQL.
        return [.. rows.OrderBy(r => r.DueTicks).Select(r =>
        {
            var stored = JsonSerializer.Deserialize(r.Json, SqliteJsonContext.Default.StoredSagaTimeout)
                ?? throw new JsonException($"Saga '{sagaName}' instance '{r.Key}' has an empty timeout row.");
            var timeout = new SagaTimeout { Id = stored.Id, Name = stored.Name, DueTime = stored.DueTime, Event = json.FromStored(stored.Event) };
            return new SagaTimeoutClaim { SagaName = sagaName, CorrelationKey = r.Key, Timeout = timeout, Claimant = claimant, ClaimedUntil = until };
        })];
    }

    private Task<bool> SettleAsync(string sql, SagaTimeoutClaim claim, CancellationToken cancellationToken) =>
        database.WriteAsync(
            session =>
            {
                var settle = session.Command(sql);
                settle.Parameters.AddWithValue("$saga_name", claim.SagaName);
                settle.Parameters.AddWithValue("$correlation_key", claim.CorrelationKey);
                settle.Parameters.AddWithValue("$timeout_id", claim.Timeout.Id);
                settle.Parameters.AddWithValue("$claimant", claim.Claimant);
                return settle.ExecuteNonQuery() == 1;
            },
            cancellationToken);

    private static List<(long Seq, Row Row)> ReadPage(SqliteSession session, SagaQuery query, long afterSeq)
    {
        var sql = "SELECT seq, saga_name, correlation_key, version, status, state, instance FROM eventbus_sagas WHERE seq > $after_seq"
            + (query.SagaName is null ? string.Empty : " AND saga_name = $saga_name")
            + (query.CorrelationKey is null ? string.Empty : " AND correlation_key = $correlation_key")
            + (query.Status is null ? string.Empty : " AND status = $status")
            + " ORDER BY seq LIMIT $take";
        var select = session.Command(sql);
        select.Parameters.AddWithValue("$after_seq", afterSeq);
        select.Parameters.AddWithValue("$take", SqliteConstants.ReadPageSize);
        if (query.SagaName is { } sagaName)
        {
            select.Parameters.AddWithValue("$saga_name", sagaName);
        }

        if (query.CorrelationKey is { } key)
        {
            select.Parameters.AddWithValue("$correlation_key", key);
        }

        if (query.Status is { } status)
        {
            select.Parameters.AddWithValue("$status", status.ToString());
        }

        using var reader = select.ExecuteReader();
        var rows = new List<(long, Row)>();
        while (reader.Read())
        {
            rows.Add((reader.GetInt64(0), new Row(reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetString(4), (byte[])reader.GetValue(5), (byte[])reader.GetValue(6))));
        }

        return rows;
    }

    private async IAsyncEnumerable<SagaInstance> QueryCoreAsync(SagaQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var after = 0L;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();

            // A page is read and the connection returned before anything is yielded.
            var page = database.Read((query, after), static (session, state) => ReadPage(session, state.query, state.after));
            foreach (var (_, row) in page)
            {
                var state = JsonNode.Parse(row.State)
                    ?? throw new JsonException($"The state of saga '{row.SagaName}' instance '{row.CorrelationKey}' is JSON null.");
                yield return Fill(new SagaInstance<JsonNode> { SagaName = row.SagaName, CorrelationKey = row.CorrelationKey, State = state }, row);
            }

            if (page.Count < SqliteConstants.ReadPageSize)
            {
                break;
            }

            after = page[^1].Seq;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    private SagaDocument ToDocument(SagaInstance instance) => new()
    {
        CurrentStep = instance.CurrentStep,
        CorrelationId = instance.CorrelationId,
        CreatedTime = instance.CreatedTime,
        UpdatedTime = instance.UpdatedTime,
        CompensationReason = instance.CompensationReason,
        CompletedSteps = instance.CompletedSteps.Count == 0 ? null : [.. instance.CompletedSteps],
        CompensatedSteps = instance.CompensatedSteps.Count == 0 ? null : [.. instance.CompensatedSteps],
        AwaitingCompensation = instance.AwaitingCompensation,
        Timeouts = instance.Timeouts.Count == 0
            ? null
            : [.. instance.Timeouts.Select(t => new StoredSagaTimeout { Id = t.Id, Name = t.Name, DueTime = t.DueTime, Event = json.ToStored(t.Event) })],
        ParkedEvents = instance.ParkedEvents.Count == 0 ? null : [.. instance.ParkedEvents.Select(json.ToStored)],
        Outbox = instance.Outbox.Count == 0 ? null : [.. instance.Outbox.Select(json.ToStored)],
        ProcessedEventIds = instance.ProcessedEventIds.Count == 0 ? null : [.. instance.ProcessedEventIds],
        History = instance.History.Count == 0 ? null : [.. instance.History],
    };

    private TInstance Fill<TInstance>(TInstance instance, Row row)
        where TInstance : SagaInstance
    {
        var document = JsonSerializer.Deserialize(row.Instance, SqliteJsonContext.Default.SagaDocument)
            ?? throw new JsonException($"Saga '{row.SagaName}' instance '{row.CorrelationKey}' has an empty instance document.");
        var status = Enum.TryParse<SagaStatus>(row.Status, out var parsed)
            ? parsed
            : throw new JsonException($"Saga '{row.SagaName}' instance '{row.CorrelationKey}' has status '{row.Status}', unknown to this version of EventBus.");
        return instance with
        {
            Version = row.Version,
            Status = status,
            CurrentStep = document.CurrentStep,
            CorrelationId = document.CorrelationId,
            CreatedTime = document.CreatedTime,
            UpdatedTime = document.UpdatedTime,
            CompensationReason = document.CompensationReason,
            CompletedSteps = document.CompletedSteps ?? [],
            CompensatedSteps = document.CompensatedSteps ?? [],
            AwaitingCompensation = document.AwaitingCompensation,
            Timeouts = document.Timeouts is null
                ? []
                : [.. document.Timeouts.Select(t => new SagaTimeout { Id = t.Id, Name = t.Name, DueTime = t.DueTime, Event = json.FromStored(t.Event) })],
            ParkedEvents = document.ParkedEvents is null ? [] : [.. document.ParkedEvents.Select(json.FromStored)],
            Outbox = document.Outbox is null ? [] : [.. document.Outbox.Select(json.FromStored)],
            ProcessedEventIds = document.ProcessedEventIds ?? [],
            History = document.History ?? [],
        };
    }

    private sealed record Row(string SagaName, string CorrelationKey, long Version, string Status, byte[] State, byte[] Instance);
}
