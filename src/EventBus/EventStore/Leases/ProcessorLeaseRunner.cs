using EventBus.Diagnostics;
using Microsoft.Extensions.Logging;

namespace EventBus.EventStore.Leases;

/// <summary>Runs a processor only while this process holds its lease: acquire (or wait and try again), renew while
/// the work runs, stop the work as soon as the lease is lost and go back to acquiring, release it on a graceful stop
/// so another instance takes over at once.</summary>
internal sealed class ProcessorLeaseRunner(IProcessorLeaseStore leases, TimeProvider timeProvider, ILogger<ProcessorLeaseRunner> logger)
{
    /// <summary>Runs <paramref name="work"/> under the lease <paramref name="name"/> until
    /// <paramref name="stoppingToken"/> fires or the work ends on its own.</summary>
    /// <param name="name">The processor (and checkpoint) name.</param>
    /// <param name="work">The processor: it reads from its checkpoint, saves progress through the lease and returns
    /// when its token fires (the lease was lost or the host stops). Throwing <see cref="ProcessorLeaseLostException"/>
    /// also means the lease was lost.</param>
    /// <param name="whileWaiting">Called each time another instance holds the lease (such as to follow its
    /// checkpoint); may be <see langword="null"/>.</param>
    /// <param name="stoppingToken">Stops the processor.</param>
    public async Task RunAsync(string name, Func<IProcessorLease, CancellationToken, Task> work, Func<CancellationToken, Task>? whileWaiting, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var lease = await TryAcquireAsync(name, stoppingToken).ConfigureAwait(false);
            if (lease is null)
            {
                if (whileWaiting is not null && !await FollowAsync(name, whileWaiting, stoppingToken).ConfigureAwait(false))
                {
                    return;
                }

                if (!await DelayAsync(leases.AcquireInterval, stoppingToken).ConfigureAwait(false))
                {
                    return;
                }

                continue;
            }

            Log.LeaseAcquired(logger, name, lease.FencingToken);
            if (!await HoldAsync(lease, work, stoppingToken).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    /// <summary>Runs the work while the lease is held; returns true when the lease was lost (try again), false when
    /// the processor is done (it stopped or ended, and the lease was released).</summary>
    private async Task<bool> HoldAsync(IProcessorLease lease, Func<IProcessorLease, CancellationToken, Task> work, CancellationToken stoppingToken)
    {
        using var holding = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var renewing = RenewWhileHeldAsync(lease, holding);
        var lost = false;
        try
        {
            await work(lease, holding.Token).ConfigureAwait(false);
        }
        catch (ProcessorLeaseLostException)
        {
            lost = true;
        }
        catch (OperationCanceledException) when (holding.IsCancellationRequested)
        {
        }
        finally
        {
            await holding.CancelAsync().ConfigureAwait(false);
            lost |= await renewing.ConfigureAwait(false);
        }

        if (lost)
        {
            Log.LeaseLost(logger, lease.Name, lease.FencingToken);
            return !stoppingToken.IsCancellationRequested;
        }

        try
        {
            // Not cancellable: on a graceful stop the lease should go now, not when it expires.
            await lease.ReleaseAsync(CancellationToken.None).ConfigureAwait(false);
            Log.LeaseReleased(logger, lease.Name, lease.FencingToken);
        }
        catch (Exception ex)
        {
            Log.LeaseReleaseFailed(logger, lease.Name, lease.FencingToken, ex);
        }

        return false;
    }

    /// <summary>Renews every <see cref="IProcessorLeaseStore.RenewInterval"/>; when a renewal says the lease is gone
    /// (or fails), stops the work and returns true.</summary>
    private async Task<bool> RenewWhileHeldAsync(IProcessorLease lease, CancellationTokenSource holding)
    {
        if (leases.RenewInterval == Timeout.InfiniteTimeSpan)
        {
            return false;
        }

        try
        {
            while (true)
            {
                await Task.Delay(leases.RenewInterval, timeProvider, holding.Token).ConfigureAwait(false);
                bool renewed;
                try
                {
                    renewed = await lease.RenewAsync(holding.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The store could not say the lease is still held: behave as if it were not.
                    Log.LeaseRenewFailed(logger, lease.Name, lease.FencingToken, ex);
                    renewed = false;
                }

                if (!renewed)
                {
                    await holding.CancelAsync().ConfigureAwait(false);
                    return true;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task<IProcessorLease?> TryAcquireAsync(string name, CancellationToken stoppingToken)
    {
        try
        {
            return await leases.TryAcquireAsync(name, stoppingToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            Log.LeaseAcquireFailed(logger, name, leases.AcquireInterval, ex);
            return null;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private async Task<bool> FollowAsync(string name, Func<CancellationToken, Task> whileWaiting, CancellationToken stoppingToken)
    {
        try
        {
            await whileWaiting(stoppingToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception ex)
        {
            Log.LeaseFollowFailed(logger, name, ex);
            return true;
        }
    }

    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(delay, timeProvider, stoppingToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
