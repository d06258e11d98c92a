using System.Collections.Concurrent;

namespace EventBus.Sqlite.Storage;

/// <summary>Keeps a few open read connections. In WAL mode readers never wait for the writer, and each read sees
/// the last commit made before it started.</summary>
internal sealed class SqliteReaderPool(Func<SqliteSession> open) : IDisposable
{
    private readonly ConcurrentBag<SqliteSession> _idle = [];
    private volatile bool _disposed;

    public SqliteSession Rent()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _idle.TryTake(out var session) ? session : open();
    }

    public void Return(SqliteSession session)
    {
        if (_disposed || _idle.Count >= SqliteConstants.MaxPooledReaders)
        {
            session.Dispose();
            return;
        }

        _idle.Add(session);
        if (_disposed && _idle.TryTake(out var late))
        {
            late.Dispose();
        }
    }

    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryTake(out var session))
        {
            session.Dispose();
        }
    }
}
