using EventBus.PostgreSql.Storage;
using Npgsql;
using NpgsqlTypes;

namespace EventBus.PostgreSql.EventStore;

/// <summary>Group commit for the appends of this process. An append that finds no transaction in flight is sent at
/// once, on its caller's path. Appends that arrive while one is in flight wait, and the next transaction carries all
/// of them (up to a bound): one call of the append function, one advisory lock, one position draw and one WAL flush
/// for the group, where each append alone would queue on the global order and flush by itself.</summary>
/// <remarks>
/// <para>Each append gets its own outcome: the append function reports a version conflict, a deleted stream or an
/// idempotent retry per append, without failing the others. When the group's statement fails as a whole (an event id
/// stored by another batch, a value the server rejects), its transaction rolled back and wrote nothing, so every
/// append of the group is sent again alone and only the one at fault fails. When the connection fails, whether the
/// transaction committed is unknown: every append of the group fails with that error and none reports success (a
/// retry with the same event ids answers with the stored result if it had committed).</para>
/// <para>Cancellation is honoured while an append waits for its group; once the group is sent, the append ends with
/// its outcome, as the others in the transaction do.</para>
/// </remarks>
internal sealed class AppendGroupCommitter : IAsyncDisposable
{
    private const string NotifySql = "SELECT pg_notify($1, '')";

    private readonly PostgreSqlDatabase _database;
    private readonly string _appendSql;
    private readonly string _findEventsSql;
    private readonly Lock _gate = new();
    private readonly Queue<PendingAppend> _queue = new();

    // True while a transaction of this process is in flight or being assembled (guarded by _gate).
    private bool _committing;
    private bool _disposed;

    // The connection groups are sent on, kept open between them (used by one group at a time: _committing). A
    // pooled connection is reset before its next use (DISCARD ALL, unless the connection string says No Reset On
    // Close), which drops the append function's cached plans: planning them again cost about 0.6 ms an append here,
    // as much as the rest of an append of one event. Kept open, the append statement is also prepared once.
    private NpgsqlConnection? _connection;
    private long _connectionLastUsed;
    private long _transactions;

    public AppendGroupCommitter(PostgreSqlDatabase database)
    {
        _database = database;
        var s = database.Schema;
        _appendSql = $"SELECT o_append, o_outcome, o_stream_id, o_version, o_position FROM {s}.append_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
        _findEventsSql = $"""
            SELECT e.event_id, s.stream_id, e.stream_version, e.position
            FROM {s}.events e JOIN {s}.streams s ON s.stream_key = e.stream_key
            WHERE e.event_id = ANY($1)
            """;
    }

    /// <summary>Gets the number of calls of the append function sent so far (one per group).</summary>
    public long Transactions => Interlocked.Read(ref _transactions);

    /// <summary>Gets the number of appends waiting for the next group.</summary>
    public int QueuedCount
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Appends <paramref name="append"/>, alone at once or with the next group; completes after its
    /// transaction ended.</summary>
    public ValueTask<AppendResult> AppendAsync(PendingAppend append, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_committing)
            {
                append.RegisterCancellation(cancellationToken);
                _queue.Enqueue(append);
                return new ValueTask<AppendResult>(append.Task);
            }

            _committing = true;
        }

        return LeadAsync(append, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection? idle = null;
        lock (_gate)
        {
            _disposed = true;
            if (!_committing)
            {
                (idle, _connection) = (_connection, null);
            }
        }

        // A group in flight closes the connection itself when it is done.
        if (idle is not null)
        {
            await idle.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Returns whether <paramref name="exception"/> leaves it unknown if the transaction committed (the
    /// connection failed or was closed by the server), rather than proving that it rolled back.</summary>
    private static bool IsAmbiguous(Exception exception) =>
        exception is NpgsqlException and not PostgresException { InvariantSeverity: "ERROR" };

    private async ValueTask<AppendResult> LeadAsync(PendingAppend append, CancellationToken cancellationToken)
    {
        try
        {
            append.TryStart();

            // Alone in its transaction, so the caller's token may cancel the statement.
            await CommitAsync([append], cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await HandOffAsync().ConfigureAwait(false);
        }

        return await append.Task.ConfigureAwait(false);
    }

    private async ValueTask HandOffAsync()
    {
        NpgsqlConnection? closing;
        lock (_gate)
        {
            if (_queue.Count == 0)
            {
                _committing = false;
                closing = TakeConnectionIfDisposed();
                if (closing is null)
                {
                    return;
                }
            }
            else
            {
                closing = null;
            }
        }

        if (closing is not null)
        {
            await closing.DisposeAsync().ConfigureAwait(false);
            return;
        }

        // Appends that arrived meanwhile go out together, off this caller's path.
        _ = Task.Run(DrainAsync);
    }

    private async Task DrainAsync()
    {
        var group = new List<PendingAppend>();
        while (true)
        {
            NpgsqlConnection? closing = null;
            lock (_gate)
            {
                var events = 0;
                while (group.Count < PostgreSqlConstants.MaxAppendsPerGroup
                       && _queue.TryPeek(out var next)
                       && (group.Count == 0 || events + next.Count <= PostgreSqlConstants.MaxEventsPerGroup))
                {
                    _queue.Dequeue();
                    if (next.TryStart())
                    {
                        group.Add(next);
                        events += next.Count;
                    }
                }

                if (group.Count == 0)
                {
                    _committing = false;
                    closing = TakeConnectionIfDisposed();
                }
            }

            if (group.Count == 0)
            {
                if (closing is not null)
                {
                    await closing.DisposeAsync().ConfigureAwait(false);
                }

                return;
            }

            // Shared by several callers: no one caller's token may cancel it.
            await CommitAsync(group, CancellationToken.None).ConfigureAwait(false);
            group.Clear();
        }
    }

    /// <summary>Sends <paramref name="group"/> in one transaction and completes every append of it; never throws.</summary>
    private async Task CommitAsync(IReadOnlyList<PendingAppend> group, CancellationToken cancellationToken)
    {
        bool announced;
        try
        {
            announced = await SendOnFreshStateAsync(group, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (group.Count > 1 && !IsAmbiguous(ex))
        {
            // The statement failed, so the transaction rolled back and wrote nothing: each append alone finds out
            // whether the failure was its own.
            foreach (var append in group)
            {
                append.ResetOutcome();
                await CommitAsync([append], CancellationToken.None).ConfigureAwait(false);
            }

            return;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation && ex.ConstraintName == PostgreSqlSchema.EventIdConstraint)
        {
            // An id of the batch (not the first) was stored earlier by another batch; the append rolled back.
            await FailAlreadyStoredAsync(group[0], ex, cancellationToken).ConfigureAwait(false);
            return;
        }
        catch (Exception ex)
        {
            foreach (var append in group)
            {
                append.Fail(ex);
            }

            return;
        }

        // Committed: readers of this process may move on before the callers hear of it.
        var head = 0L;
        foreach (var append in group)
        {
            if (append.Outcome == PostgreSqlSchema.Appended)
            {
                head = Math.Max(head, append.Appended.Position);
            }
        }

        if (head > 0)
        {
            _database.AppendCommitted(head, announced);
        }

        foreach (var append in group)
        {
            append.Complete(_database.SchemaName);
        }
    }

    /// <summary>Sends <paramref name="group"/>; after a failure the connection is closed, since its state is unknown.</summary>
    private async Task<bool> SendOnFreshStateAsync(IReadOnlyList<PendingAppend> group, CancellationToken cancellationToken)
    {
        try
        {
            return await SendAsync(group, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not PostgresException { InvariantSeverity: "ERROR" })
        {
            await CloseConnectionAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Sends <paramref name="group"/> and records each append's outcome; returns once its transaction has
    /// committed, with whether other instances were told (the notification rides in the same round trip).</summary>
    private async Task<bool> SendAsync(IReadOnlyList<PendingAppend> group, CancellationToken cancellationToken)
    {
        var arguments = AppendBatch.Of(group);
        var connection = await ConnectionAsync(cancellationToken).ConfigureAwait(false);
        var batch = new NpgsqlBatch(connection);
        await using (batch.ConfigureAwait(false))
        {
            // The error barrier ends the append's implicit transaction before the notification runs, so the
            // notification is sent after the commit (never inside it, where it would hold the server's notification
            // lock through the flush) without a round trip of its own.
            var append = new NpgsqlBatchCommand(_appendSql) { AppendErrorBarrier = true };
            append.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = arguments.StreamIds, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            append.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = arguments.ExpectedVersions, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
            append.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = arguments.Counts, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
            append.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = arguments.Appends, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
            append.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = arguments.EventIds, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            append.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = arguments.EventTypes, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            append.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = arguments.DataVersions, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            append.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = arguments.Data, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
            append.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = arguments.Metadata, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
            append.Parameters.Add(new NpgsqlParameter<long> { TypedValue = _database.TimeProvider.GetUtcNow().UtcTicks });
            batch.BatchCommands.Add(append);
            var notify = new NpgsqlBatchCommand(NotifySql);
            notify.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _database.NotificationChannel });
            batch.BatchCommands.Add(notify);
            Interlocked.Increment(ref _transactions);

            // Parsed and planned once per connection (Npgsql keeps the prepared statements of a connection).
            await batch.PrepareAsync(cancellationToken).ConfigureAwait(false);
            var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    group[reader.GetInt32(0) - 1].Record(
                        reader.GetInt32(1),
                        reader.IsDBNull(2) ? null : reader.GetString(2),
                        reader.IsDBNull(3) ? null : reader.GetInt64(3),
                        reader.IsDBNull(4) ? null : reader.GetInt64(4));
                }

                // Past the append's response: an error at its commit shows here, before any caller hears of success.
                try
                {
                    await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                    return true;
                }
                catch (PostgresException ex) when (ex.BatchCommand == notify)
                {
                    // The append committed; only the notification failed (it is sent again on its own).
                    return false;
                }
            }
        }
    }

    /// <summary>Once disposed and idle, hands over the connection to close (called under the gate).</summary>
    private NpgsqlConnection? TakeConnectionIfDisposed()
    {
        if (!_disposed)
        {
            return null;
        }

        var connection = _connection;
        _connection = null;
        return connection;
    }

    /// <summary>Gets the open connection of the committer, opening one when there is none (used only by the group in
    /// flight).</summary>
    private async ValueTask<NpgsqlConnection> ConnectionAsync(CancellationToken cancellationToken)
    {
        var time = _database.TimeProvider;
        var now = time.GetTimestamp();
        if (_connection is { State: System.Data.ConnectionState.Open } open
            && time.GetElapsedTime(_connectionLastUsed, now) < PostgreSqlConstants.AppendConnectionIdleLifetime)
        {
            _connectionLastUsed = now;
            return open;
        }

        await CloseConnectionAsync().ConfigureAwait(false);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed), this);
        _connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        _connectionLastUsed = now;
        return _connection;
    }

    /// <summary>Closes the committer's connection (after a failure its state is unknown; or at disposal).</summary>
    private async ValueTask CloseConnectionAsync()
    {
        var connection = _connection;
        _connection = null;
        if (connection is not null)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task FailAlreadyStoredAsync(PendingAppend append, PostgresException error, CancellationToken cancellationToken)
    {
        Dictionary<string, StoredEvent> found;
        try
        {
            found = await FindEventsAsync(append.EventIds, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or ObjectDisposedException)
        {
            append.Fail(error);
            return;
        }

        var conflict = append.EventIds.FirstOrDefault(found.ContainsKey);
        if (conflict is null)
        {
            append.Fail(error);
            return;
        }

        append.FailAlreadyStored(conflict, found[conflict]);
    }

    private async Task<Dictionary<string, StoredEvent>> FindEventsAsync(string[] ids, CancellationToken cancellationToken)
    {
        var command = await _database.CommandAsync(_findEventsSql, cancellationToken).ConfigureAwait(false);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var found = new Dictionary<string, StoredEvent>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            found[reader.GetString(0)] = new StoredEvent(reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3));
        }

        return found;
    }
}
