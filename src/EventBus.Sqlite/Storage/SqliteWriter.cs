using System.Runtime.ExceptionServices;
using EventBus.Sqlite.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using SQLitePCL;

namespace EventBus.Sqlite.Storage;

/// <summary>The one writer of a database. A write that finds the writer idle runs at once on its caller's thread, in
/// its own <c>BEGIN IMMEDIATE</c> transaction (no hand-off to another thread and back). Writes that arrive while a
/// transaction is running queue up; a dedicated thread then takes every write queued since the last commit (up to a
/// limit) and runs them in one transaction, so concurrent appends share one commit and one flush to disk (group
/// commit). In a shared transaction each request runs under its own savepoint: a request that fails is rolled back
/// alone and its caller gets its own exception once the others committed.</summary>
internal sealed class SqliteWriter : IDisposable
{
    private const string Savepoint = "eventbus_write";

    private readonly object _gate = new();
    private readonly Queue<WriteRequest> _queue = new();
    private readonly SqliteSession _session;
    private readonly int _maxBatch;
    private readonly string _dataSource;
    private readonly TimeSpan _busyTimeout;
    private readonly int _busyTimeoutMilliseconds;
    private readonly Action<long> _committed;
    private readonly ILogger _logger;
    private readonly Thread _thread;
    private readonly List<WriteRequest> _alone = new(1);
    private bool _closed;

    // True while a caller or the writer thread runs a transaction on the connection (guarded by _gate).
    private bool _writing;
    private long _transactions;

    public SqliteWriter(SqliteSession session, SqliteOptions options, string dataSource, Action<long> committed, ILogger logger)
    {
        _session = session;
        _maxBatch = options.MaxWritesPerTransaction;
        _busyTimeout = options.BusyTimeout;
        _busyTimeoutMilliseconds = (int)options.BusyTimeout.TotalMilliseconds;
        _dataSource = dataSource;
        _committed = committed;
        _logger = logger;
        _thread = new Thread(Run) { IsBackground = true, Name = "EventBus.Sqlite writer" };
        _thread.Start();
    }

    /// <summary>Gets the number of transactions committed so far.</summary>
    public long Transactions => Interlocked.Read(ref _transactions);

    /// <summary>Gets the number of writes waiting for the writer.</summary>
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

    /// <summary>Runs <paramref name="request"/> on the calling thread when the writer is idle and nothing is queued;
    /// otherwise queues it for the writer thread. Either way its task completes only after its transaction ended.</summary>
    public void Enqueue(WriteRequest request)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            if (_writing || _queue.Count > 0)
            {
                _queue.Enqueue(request);
                if (!_writing && _queue.Count == 1)
                {
                    Monitor.Pulse(_gate);
                }

                return;
            }

            _writing = true;
        }

        var queue = false;
        try
        {
            // Another process holding the file's write lock would make the caller's thread wait for it: then the
            // writer thread waits instead, as for every queued write.
            queue = !WriteLockIsFree();
            if (!queue && request.TryStart())
            {
                _alone.Add(request);
                Commit(_alone);
            }
        }
        finally
        {
            _alone.Clear();
            lock (_gate)
            {
                _writing = false;
                if (queue)
                {
                    _queue.Enqueue(request);
                }

                // Writes that queued up meanwhile (or a Dispose waiting for this one) go to the writer thread.
                if (_queue.Count > 0 || _closed)
                {
                    Monitor.Pulse(_gate);
                }
            }
        }
    }

    /// <summary>Stops taking writes, commits what is queued, and closes the connection.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            Monitor.Pulse(_gate);
        }

        _thread.Join();
        _session.Dispose();
    }

    private void Run()
    {
        var batch = new List<WriteRequest>(Math.Min(_maxBatch, 64));
        while (true)
        {
            lock (_gate)
            {
                while (_writing || (_queue.Count == 0 && !_closed))
                {
                    Monitor.Wait(_gate);
                }

                if (_queue.Count == 0)
                {
                    return;
                }

                while (batch.Count < _maxBatch && _queue.TryDequeue(out var request))
                {
                    if (request.TryStart())
                    {
                        batch.Add(request);
                    }
                }

                _writing = batch.Count > 0;
            }

            if (batch.Count > 0)
            {
                try
                {
                    Commit(batch);
                }
                finally
                {
                    batch.Clear();
                    lock (_gate)
                    {
                        _writing = false;
                    }
                }
            }
        }
    }

    private void Commit(List<WriteRequest> batch)
    {
        _session.PendingHead = 0;
        bool committed;
        try
        {
            using var transaction = _session.Connection.BeginTransaction(deferred: false);
            _session.Transaction = transaction;
            committed = batch.Count == 1 ? RunAlone(transaction, batch[0]) : RunShared(transaction, batch);
        }
        catch (Exception ex)
        {
            var error = Translate(ex);
            Log.TransactionFailed(_logger, batch.Count, _dataSource, ex);
            foreach (var request in batch)
            {
                request.Fail(error);
            }

            return;
        }
        finally
        {
            _session.Transaction = null;
        }

        if (committed)
        {
            Interlocked.Increment(ref _transactions);
            Log.WritesCommitted(_logger, batch.Count);
            if (_session.PendingHead > 0)
            {
                _committed(_session.PendingHead);
            }
        }

        foreach (var request in batch)
        {
            request.Complete();
        }
    }

    /// <summary>A write alone in its transaction needs no savepoint (two statements fewer per commit): when it fails,
    /// the whole transaction is rolled back instead.</summary>
    /// <returns><see langword="true"/> when the transaction committed; <see langword="false"/> when the request failed
    /// and was rolled back.</returns>
    private bool RunAlone(SqliteTransaction transaction, WriteRequest request)
    {
        try
        {
            request.Run(_session);
        }
        catch (Exception ex)
        {
            // When SQLite already rolled the transaction back (disk full, I/O error) the request's error fails it as a
            // transaction error, as in a shared transaction.
            if (!TryRollback(transaction))
            {
                ExceptionDispatchInfo.Throw(ex);
            }

            request.SetError(ex);
            return false;
        }

        transaction.Commit();
        return true;
    }

    private bool RunShared(SqliteTransaction transaction, List<WriteRequest> batch)
    {
        foreach (var request in batch)
        {
            transaction.Save(Savepoint);
            try
            {
                request.Run(_session);
            }
            catch (Exception ex)
            {
                // Undo this request only. When SQLite already rolled the whole transaction back (disk full, I/O
                // error) the savepoint is gone too: then the request's error fails everyone.
                if (!TryRollbackToSavepoint(transaction))
                {
                    ExceptionDispatchInfo.Throw(ex);
                }

                request.SetError(ex);
            }

            transaction.Release(Savepoint);
        }

        transaction.Commit();
        return true;
    }

    /// <summary>Takes and releases the file's write lock without waiting (busy timeout 0 for the attempt): false when
    /// another connection holds it. A connection that takes it in between only delays the caller by its transaction.</summary>
    private bool WriteLockIsFree()
    {
        var handle = _session.Connection.Handle!;
        raw.sqlite3_busy_timeout(handle, 0);
        try
        {
            if (raw.sqlite3_exec(handle, "BEGIN IMMEDIATE") != raw.SQLITE_OK)
            {
                return false;
            }

            raw.sqlite3_exec(handle, "ROLLBACK");
            return true;
        }
        finally
        {
            raw.sqlite3_busy_timeout(handle, _busyTimeoutMilliseconds);
        }
    }

    private static bool TryRollback(SqliteTransaction transaction)
    {
        try
        {
            transaction.Rollback();
            return true;
        }
        catch (SqliteException)
        {
            return false;
        }
    }

    private static bool TryRollbackToSavepoint(SqliteTransaction transaction)
    {
        try
        {
            transaction.Rollback(Savepoint);
            return true;
        }
        catch (SqliteException)
        {
            return false;
        }
    }

    private Exception Translate(Exception exception) =>
        exception is SqliteException { SqliteErrorCode: 5 or 6 }
            ? new TimeoutException($"SQLite database '{_dataSource}' stayed locked by another connection for longer than the busy timeout ({_busyTimeout}); nothing was written. Retry, or raise SqliteOptions.BusyTimeout.", exception)
            : exception;
}
