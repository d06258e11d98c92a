using System.Collections.Concurrent;
using EventBus.Tests.TestSupport;

namespace EventBus.Tests.EventStore.Leases;

/// <summary>A lease store that plays a script: it hands out the queued leases one per acquisition, and refuses (as if
/// another instance held the lease) once the queue is empty.</summary>
public sealed class ScriptedLeaseStore(TimeSpan renewInterval) : IProcessorLeaseStore
{
    private readonly ConcurrentQueue<ScriptedLease> _script = new();

    public ScriptedLeaseStore()
        : this(Timeout.InfiniteTimeSpan)
    {
    }

    public TimeSpan AcquireInterval => TimeSpan.FromMilliseconds(1);

    public TimeSpan RenewInterval => renewInterval;

    /// <summary>Gets every acquisition attempt, by processor name.</summary>
    public Recorder<string> Attempts { get; } = new();

    public ScriptedLeaseStore Then(ScriptedLease lease)
    {
        _script.Enqueue(lease);
        return this;
    }

    public ValueTask<IProcessorLease?> TryAcquireAsync(string name, CancellationToken cancellationToken = default)
    {
        Attempts.Add(name);
        return ValueTask.FromResult<IProcessorLease?>(_script.TryDequeue(out var lease) ? lease.Grant(name) : null);
    }
}

/// <summary>One scripted holding: whether renewals succeed, and whether checkpoint saves are written (to
/// <paramref name="checkpoints"/>) or refused as after a takeover.</summary>
public sealed class ScriptedLease(long token, ICheckpointStore? checkpoints = null, bool renews = true) : IProcessorLease
{
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Name { get; private set; } = string.Empty;

    public long FencingToken => token;

    public Task Released => _released.Task;

    public Recorder<long> Saves { get; } = new();

    public ScriptedLease Grant(string name)
    {
        Name = name;
        return this;
    }

    public ValueTask<bool> RenewAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(renews);

    public async ValueTask SaveCheckpointAsync(long position, CancellationToken cancellationToken = default)
    {
        if (checkpoints is null)
        {
            throw new ProcessorLeaseLostException(Name, token);
        }

        await checkpoints.SaveAsync(Name, position, cancellationToken);
        Saves.Add(position);
    }

    public ValueTask ReleaseAsync(CancellationToken cancellationToken = default)
    {
        _released.TrySetResult();
        return default;
    }
}
