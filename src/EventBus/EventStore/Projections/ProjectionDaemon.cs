using Microsoft.Extensions.Hosting;

namespace EventBus.EventStore.Projections;

/// <summary>Runs the asynchronous projections in the background: catch up, wait for new events, repeat.</summary>
internal sealed class ProjectionDaemon(ProjectionManager projections, IEventStore store, TimeProvider timeProvider) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(projections.Background.Select(runner => Task.Run(() => RunAsync(runner, stoppingToken), CancellationToken.None)));

    private async Task RunAsync(ProjectionRunner runner, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await runner.CatchUpAsync(stoppingToken).ConfigureAwait(false);
                await store.WaitForEventsAsync(await runner.GetPositionAsync(stoppingToken).ConfigureAwait(false), stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception)
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
}
