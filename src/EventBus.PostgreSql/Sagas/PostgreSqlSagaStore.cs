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

    public PostgreSqlSagaStore(PostgreSqlDatabase database, PostgreSqlJson json)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(json);
        _database = database;
        _json = json;
        _table = $"{database.Schema}.sagas";
        _selectOne = $"SELECT version, status, state, instance FROM {_table} WHERE saga_name = $1 AND correlation_key = $2";
        _selectVersion = $"SELECT version FROM {_table} WHERE saga_name = $1 AND correlation_key = $2";
        _insert = $"""
            INSERT INTO {_table} (saga_name, correlation_key, version, status, state, instance)
            VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (saga_name, correlation_key) DO NOTHING
            """;
        _update = $"""
            UPDATE {_table} SET version = $3, status = $4, state = $5, instance = $6
            WHERE saga_name = $1 AND correlation_key = $2 AND version = $7
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

        var document = JsonSerializer.SerializeToUtf8Bytes(ToDocument(instance), PostgreSqlJsonContext.Default.SagaDocument);
        return SaveCoreAsync(instance.SagaName, instance.CorrelationKey, instance.Status.ToString(), state, document, expectedVersion, cancellationToken);
    }

    public IAsyncEnumerable<SagaInstance> QueryAsync(SagaQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return QueryCoreAsync(query, cancellationToken);
    }

    private async ValueTask<long> SaveCoreAsync(string sagaName, string key, string status, byte[] state, byte[] document, long expectedVersion, CancellationToken cancellationToken)
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

            written = await write.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
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
}
