using EventBus.EventStore.Leases;
using Microsoft.Extensions.Hosting;

namespace EventBus.EventStore.Projections;

/// <summary>Runs the asynchronous projections in the background: each under its own processor lease (so with several
/// app instances on one store a projection runs on one of them at a time), catch up, wait for new events, repeat.</summary>
internal sealed class ProjectionDaemon(ProjectionManager projections, ProcessorLeaseRunner leases, IEventStore store, TimeProvider timeProvider) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(projections.Background.Select(runner => Task.Run(
            () => leases.RunAsync(runner.Name, (lease, token) => RunAsync(runner, lease, token), runner.FollowAsync, stoppingToken),
            CancellationToken.None)));

    private async Task RunAsync(ProjectionRunner runner, IProcessorLease lease, CancellationToken stoppingToken)
    {
        var begun = false;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    if (!begun)
                    {
                        await runner.BeginTermAsync(lease, stoppingToken).ConfigureAwait(false);
                        begun = true;
                    }

                    await runner.CatchUpAsync(stoppingToken).ConfigureAwait(false);
                    await store.WaitForEventsAsync(await runner.GetPositionAsync(stoppingToken).ConfigureAwait(false), stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (ex is not ProcessorLeaseLostException)
                {
                    // Already logged by the runner with the failing position; retry from the checkpoint after a pause.
                    try
                    {
                        await Task.Delay(runner.Options.RetryDelay, timeProvider, stoppingToken).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
            }
        }
        finally
        {
            runner.EndTerm(lease);
        }
    }
}
