using System.Runtime.ExceptionServices;

namespace EventBus.Sqlite.Storage;

/// <summary>A write queued for the single writer. It runs inside the writer's transaction and its caller is
/// completed only once that transaction committed (or failed), with its own result or its own exception.</summary>
internal abstract class WriteRequest
{
    private const int Queued = 0;
    private const int Running = 1;
    private const int Cancelled = 2;

    private int _state;
    private CancellationTokenRegistration _cancellation;

    /// <summary>Cancels the request while it is still queued; once the writer took it, it runs to completion.</summary>
    public void RegisterCancellation(CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.UnsafeRegister(static (state, token) => ((WriteRequest)state!).TryCancel(token), this);
        }
    }

    /// <summary>Claims the request for the writer; <see langword="false"/> when it was cancelled while queued.</summary>
    public bool TryStart()
    {
        var started = Interlocked.CompareExchange(ref _state, Running, Queued) == Queued;
        _cancellation.Dispose();
        return started;
    }

    /// <summary>Runs the request's statements in the writer's transaction; throws when the request fails (its
    /// statements are then rolled back to a savepoint, and the other requests of the transaction go on).</summary>
    public abstract void Run(SqliteSession session);

    /// <summary>Records the failure of <see cref="Run"/>; reported to the caller after the commit.</summary>
    public abstract void SetError(Exception exception);

    /// <summary>Completes the caller after the transaction committed.</summary>
    public abstract void Complete();

    /// <summary>Fails the caller: the transaction did not commit, so nothing of the request was written.</summary>
    public abstract void Fail(Exception exception);

    protected abstract void Cancel(CancellationToken cancellationToken);

    private void TryCancel(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, Cancelled, Queued) == Queued)
        {
            Cancel(cancellationToken);
        }
    }
}

/// <summary>A write whose statements are a delegate returning the caller's result.</summary>
internal sealed class WriteRequest<T>(Func<SqliteSession, T> write) : WriteRequest
{
    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private T? _result;
    private ExceptionDispatchInfo? _error;

    public Task<T> Task => _completion.Task;

    public override void Run(SqliteSession session)
    {
        _result = write(session);
        _error = null;
    }

    public override void SetError(Exception exception) => _error = ExceptionDispatchInfo.Capture(exception);

    public override void Complete()
    {
        if (_error is null)
        {
            _completion.TrySetResult(_result!);
        }
        else
        {
            _completion.TrySetException(_error.SourceException);
        }
    }

    public override void Fail(Exception exception) => _completion.TrySetException(exception);

    protected override void Cancel(CancellationToken cancellationToken) => _completion.TrySetCanceled(cancellationToken);
}
