using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using EventBus.PostgreSql.Serialization;
using EventBus.PostgreSql.Storage;
using Npgsql;

namespace EventBus.PostgreSql.Sagas;

/// <summary>Keeps saga instances in the PostgreSQL schema with optimistic concurrency: a save checks and bumps the
/// stored version in one statement (an insert guarded by the unique key, or an update guarded by the version), so of
/// two writers that read the same version, on any app instance, exactly one wins and the other gets a
/// <see cref="SagaConcurrencyException"/>.</summary>
/// <remarks>The state is JSON written and read as the <c>TState</c> the caller names; the stored data never names a
/// CLR type. <see cref="QueryAsync"/> does not know the state type, so it returns <see cref="SagaInstance{TState}"/>
/// of <see cref="JsonNode"/>: the state as raw JSON, everything else read in full.</remarks>
internal sealed class PostgreSqlSagaStore : ISagaStore
{
    private readonly PostgreSqlDatabase _database;
    private readonly PostgreSqlJson _json;
    private readonly string _table;
    private readonly string _selectOne;
    private readonly string _selectVersion;
    private readonly string _insert;
    private readonly string _update;
    private readonly string _claim;
    private readonly string _complete;
    private readonly string _release;

    public PostgreSqlSagaStore(PostgreSqlDatabase database, PostgreSqlJson json)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(json);
        _database = database;
        _json = json;
        _table = $"{database.Schema}.sagas";
        _selectOne = $"SELECT version, status, state, instance FROM {_table} WHERE saga_name = $1 AND correlation_key = $2";
        _selectVersion = $"SELECT version FROM {_table} WHERE saga_name = $1 AND correlation_key = $2";
        var timeouts = $"{database.Schema}.saga_timeouts";

        // The instance and its timeout rows change in one statement: rows of dropped timeouts go, new ones are added,
        // and rows still listed keep their claim or completion. A lost race changes neither.
        _insert = $"""
            WITH saved AS (
                INSERT INTO {_table} (saga_name, correlation_key, version, status, state, instance)
                VALUES ($1, $2, $3, $4, $5, $6)
                ON CONFLICT (saga_name, correlation_key) DO NOTHING
                RETURNING 1),
            added AS (
                INSERT INTO {timeouts} (saga_name, correlation_key, timeout_id, due_ticks, timeout)
                SELECT $1, $2, t.id, t.due, t.body FROM unnest($7::text[], $8::bigint[], $9::bytea[]) AS t(id, due, body)
                WHERE EXISTS (SELECT 1 FROM saved)
                ON CONFLICT DO NOTHING)
            SELECT count(*) FROM saved
            """;
        _update = $"""
            WITH saved AS (
                UPDATE {_table} SET version = $3, status = $4, state = $5, instance = $6
                WHERE saga_name = $1 AND correlation_key = $2 AND version = $7
                RETURNING 1),
            dropped AS (
                DELETE FROM {timeouts}
                WHERE saga_name = $1 AND correlation_key = $2 AND NOT (timeout_id = ANY($8)) AND EXISTS (SELECT 1 FROM saved)),
            added AS (
                INSERT INTO {timeouts} (saga_name, correlation_key, timeout_id, due_ticks, timeout)
                SELECT $1, $2, t.id, t.due, t.body FROM unnest($8::text[], $9::bigint[], $10::bytea[]) AS t(id, due, body)
                WHERE EXISTS (SELECT 1 FROM saved)
                ON CONFLICT DO NOTHING)
            SELECT count(*) FROM saved
            """;

        // SKIP LOCKED: two claimants racing skip each other's rows; a row claimed since the snapshot is checked again.
        _claim = $"""
            UPDATE {timeouts} AS t SET claimed_by = $3, claimed_until_ticks = $4
            FROM (
                SELECT correlation_key, timeout_id FROM {timeouts}
                WHERE saga_name = $1 AND NOT completed AND due_ticks <= $2
                  AND (claimed_until_ticks IS NULL OR claimed_until_ticks <= $2)
                ORDER BY due_ticks LIMIT $5
                FOR UPDATE SKIP LOCKED) AS due
            WHERE t.saga_name = $1 AND t.correlation_key = due.correlation_key AND t.timeout_id = due.timeout_id
            RETURNING t.correlation_key, t.due_ticks, t.timeout
            """;
        _complete = $"""
            UPDATE {timeouts} SET completed = true
            WHERE saga_name = $1 AND correlation_key = $2 AND timeout_id = $3 AND claimed_by = $4 AND NOT completed
            """;
        _release = $"""
            UPDATE {timeouts} SET claimed_by = NULL, claimed_until_ticks = NULL
            WHERE saga_name = $1 AND correlation_key = $2 AND timeout_id = $3 AND claimed_by = $4 AND NOT completed
            """;
    }

    public async ValueTask<SagaInstance<TState>?> FindAsync<TState>(string sagaName, string correlationKey, CancellationToken cancellationToken = default)
        where TState : class
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sagaName);
        ArgumentException.ThrowIfNullOrEmpty(correlationKey);
        Row? row = null;
        var command = await _database.CommandAsync(_selectOne, cancellationToken).ConfigureAwait(false);
        await using (command.ConfigureAwait(false))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sagaName });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = correlationKey });
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerScope = reader.ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                row = new Row(sagaName, correlationKey, reader.GetInt64(0), reader.GetString(1), reader.GetFieldValue<byte[]>(2), reader.GetFieldValue<byte[]>(3));
            }
        }

        if (row is null)
        {
            return null;
        }

        TState? state;
        try
        {
            state = _json.Deserialize<TState>(row.State);
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

        return Fill(new SagaInstance<TState> { SagaName = sagaName, CorrelationKey = correlationKey, State = state }, row);
    }

    public ValueTask<long> SaveAsync<TState>(SagaInstance<TState> instance, long expectedVersion, CancellationToken cancellationToken = default)
        where TState : class
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentException.ThrowIfNullOrWhiteSpace(instance.SagaName, nameof(instance) + ".SagaName");
        ArgumentException.ThrowIfNullOrEmpty(instance.CorrelationKey, nameof(instance) + ".CorrelationKey");
        ArgumentNullException.ThrowIfNull(instance.State, nameof(instance) + ".State");
        ArgumentOutOfRangeException.ThrowIfNegative(expectedVersion);
        var state = _json.Serialize(instance.State);
        if (state.AsSpan().SequenceEqual("null"u8))
        {
            throw new ArgumentException($"The state of saga '{instance.SagaName}' instance '{instance.CorrelationKey}' serializes to JSON null; a saga's state must be a JSON value.", nameof(instance));
        }

        var stored = ToDocument(instance);
        var document = JsonSerializer.SerializeToUtf8Bytes(stored, PostgreSqlJsonContext.Default.SagaDocument);
        var timeouts = new TimeoutRows(
            [.. stored.Timeouts?.Select(t => t.Id) ?? []],
            [.. stored.Timeouts?.Select(t => t.DueTime.UtcTicks) ?? []],
            [.. stored.Timeouts?.Select(t => JsonSerializer.SerializeToUtf8Bytes(t, PostgreSqlJsonContext.Default.StoredSagaTimeout)) ?? []]);
        return SaveCoreAsync(instance.SagaName, instance.CorrelationKey, instance.Status.ToString(), state, document, timeouts, expectedVersion, cancellationToken);
    }

    public IAsyncEnumerable<SagaInstance> QueryAsync(SagaQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return QueryCoreAsync(query, cancellationToken);
    }

    public async ValueTask<IReadOnlyList<SagaTimeoutClaim>> ClaimDueTimeoutsAsync(
        string sagaName, DateTimeOffset now, string claimant, TimeSpan claimDuration, int maxCount, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sagaName);
        ArgumentException.ThrowIfNullOrWhiteSpace(claimant);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(claimDuration, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        var until = now + claimDuration;
        var rows = new List<(string Key, long DueTicks, byte[] Json)>();
        var claim = await _database.CommandAsync(_claim, cancellationToken).ConfigureAwait(false);
        await using (claim.ConfigureAwait(false))
        {
            claim.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sagaName });
            claim.Parameters.Add(new NpgsqlParameter<long> { TypedValue = now.UtcTicks });
            claim.Parameters.Add(new NpgsqlParameter<string> { TypedValue = claimant });
            claim.Parameters.Add(new NpgsqlParameter<long> { TypedValue = until.UtcTicks });
            claim.Parameters.Add(new NpgsqlParameter<int> { TypedValue = maxCount });
            var reader = await claim.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerScope = reader.ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add((reader.GetString(0), reader.GetInt64(1), reader.GetFieldValue<byte[]>(2)));
            }
        }

        return [.. rows.OrderBy(r => r.DueTicks).Select(r =>
        {
            var stored = JsonSerializer.Deserialize(r.Json, PostgreSqlJsonContext.Default.StoredSagaTimeout)
                ?? throw new JsonException($"Saga '{sagaName}' instance '{r.Key}' has an empty timeout row.");
            var timeout = new SagaTimeout { Id = stored.Id, Name = stored.Name, DueTime = stored.DueTime, Event = _json.FromStored(stored.Event) };
            return new SagaTimeoutClaim { SagaName = sagaName, CorrelationKey = r.Key, Timeout = timeout, Claimant = claimant, ClaimedUntil = until };
        })];
    }

    public ValueTask<bool> CompleteTimeoutAsync(SagaTimeoutClaim claim, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(claim);
        return SettleAsync(_complete, claim, cancellationToken);
    }

    public ValueTask<bool> ReleaseTimeoutAsync(SagaTimeoutClaim claim, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(claim);
        return SettleAsync(_release, claim, cancellationToken);
    }

    private async ValueTask<bool> SettleAsync(string sql, SagaTimeoutClaim claim, CancellationToken cancellationToken)
    {
        var settle = await _database.CommandAsync(sql, cancellationToken).ConfigureAwait(false);
        await using (settle.ConfigureAwait(false))
        {
            settle.Parameters.Add(new NpgsqlParameter<string> { TypedValue = claim.SagaName });
            settle.Parameters.Add(new NpgsqlParameter<string> { TypedValue = claim.CorrelationKey });
            settle.Parameters.Add(new NpgsqlParameter<string> { TypedValue = claim.Timeout.Id });
            settle.Parameters.Add(new NpgsqlParameter<string> { TypedValue = claim.Claimant });
            return await settle.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }
    }

    private async ValueTask<long> SaveCoreAsync(string sagaName, string key, string status, byte[] state, byte[] document, TimeoutRows timeouts, long expectedVersion, CancellationToken cancellationToken)
    {
        int written;
        var write = await _database.CommandAsync(expectedVersion == 0 ? _insert : _update, cancellationToken).ConfigureAwait(false);
        await using (write.ConfigureAwait(false))
        {
            write.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sagaName });
            write.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
            write.Parameters.Add(new NpgsqlParameter<long> { TypedValue = expectedVersion + 1 });
            write.Parameters.Add(new NpgsqlParameter<string> { TypedValue = status });
            write.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = state });
            write.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = document });
            if (expectedVersion != 0)
            {
                write.Parameters.Add(new NpgsqlParameter<long> { TypedValue = expectedVersion });
            }

            write.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = timeouts.Ids });
            write.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = timeouts.DueTicks });
            write.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = timeouts.Json });
            written = await write.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long count ? (int)count : 0;
        }

        if (written == 1)
        {
            return expectedVersion + 1;
        }

        // Lost: the stored version tells the caller what it raced with (it may have moved on again since).
        var select = await _database.CommandAsync(_selectVersion, cancellationToken).ConfigureAwait(false);
        await using var selectScope = select.ConfigureAwait(false);
        select.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sagaName });
        select.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
        var actual = await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long version ? version : 0L;
        throw new SagaConcurrencyException(sagaName, key, expectedVersion, actual);
    }

    private async IAsyncEnumerable<SagaInstance> QueryCoreAsync(SagaQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var sql = $"SELECT seq, saga_name, correlation_key, version, status, state, instance FROM {_table} WHERE seq > @after_seq"
            + (query.SagaName is null ? string.Empty : " AND saga_name = @saga_name")
            + (query.CorrelationKey is null ? string.Empty : " AND correlation_key = @correlation_key")
            + (query.Status is null ? string.Empty : " AND status = @status")
            + " ORDER BY seq LIMIT @take";
        var after = 0L;
        while (true)
        {
            var page = new List<Row>();
            var select = await _database.CommandAsync(sql, cancellationToken).ConfigureAwait(false);
            await using (select.ConfigureAwait(false))
            {
                select.Parameters.Add(new NpgsqlParameter<long>("after_seq", after));
                select.Parameters.Add(new NpgsqlParameter<int>("take", PostgreSqlConstants.SmallPageSize));
                if (query.SagaName is { } sagaName)
                {
                    select.Parameters.Add(new NpgsqlParameter<string>("saga_name", sagaName));
                }

                if (query.CorrelationKey is { } key)
                {
                    select.Parameters.Add(new NpgsqlParameter<string>("correlation_key", key));
                }

                if (query.Status is { } status)
                {
                    select.Parameters.Add(new NpgsqlParameter<string>("status", status.ToString()));
                }

                var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);

                await using var readerScope = reader.ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    after = reader.GetInt64(0);
                    page.Add(new Row(reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetString(4), reader.GetFieldValue<byte[]>(5), reader.GetFieldValue<byte[]>(6)));
                }
            }

            foreach (var row in page)
            {
                var state = JsonNode.Parse(row.State)
                    ?? throw new JsonException($"The state of saga '{row.SagaName}' instance '{row.CorrelationKey}' is JSON null.");
                yield return Fill(new SagaInstance<JsonNode> { SagaName = row.SagaName, CorrelationKey = row.CorrelationKey, State = state }, row);
            }

            if (page.Count < PostgreSqlConstants.SmallPageSize)
            {
                break;
            }
        }
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
            : [.. instance.Timeouts.Select(t => new StoredSagaTimeout { Id = t.Id, Name = t.Name, DueTime = t.DueTime, Event = _json.ToStored(t.Event) })],
        ParkedEvents = instance.ParkedEvents.Count == 0 ? null : [.. instance.ParkedEvents.Select(_json.ToStored)],
        Outbox = instance.Outbox.Count == 0 ? null : [.. instance.Outbox.Select(_json.ToStored)],
        ProcessedEventIds = instance.ProcessedEventIds.Count == 0 ? null : [.. instance.ProcessedEventIds],
        History = instance.History.Count == 0 ? null : [.. instance.History],
    };

    private TInstance Fill<TInstance>(TInstance instance, Row row)
        where TInstance : SagaInstance
    {
        var document = JsonSerializer.Deserialize(row.Instance, PostgreSqlJsonContext.Default.SagaDocument)
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
                : [.. document.Timeouts.Select(t => new SagaTimeout { Id = t.Id, Name = t.Name, DueTime = t.DueTime, Event = _json.FromStored(t.Event) })],
            ParkedEvents = document.ParkedEvents is null ? [] : [.. document.ParkedEvents.Select(_json.FromStored)],
            Outbox = document.Outbox is null ? [] : [.. document.Outbox.Select(_json.FromStored)],
            ProcessedEventIds = document.ProcessedEventIds ?? [],
            History = document.History ?? [],
        };
    }

    private sealed record Row(string SagaName, string CorrelationKey, long Version, string Status, byte[] State, byte[] Instance);

    private sealed record TimeoutRows(string[] Ids, long[] DueTicks, byte[][] Json);
}
