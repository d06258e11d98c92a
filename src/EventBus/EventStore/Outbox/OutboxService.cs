using EventBus.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EventBus.EventStore.Outbox;

/// <summary>Runs the outbox in the background: publish what is pending, wait for new events, repeat.</summary>
internal sealed class OutboxService(
    OutboxPublisher publisher,
    IEventStore store,
    IOptions<EventStoreOptions> options,
    TimeProvider timeProvider,
    ILogger<OutboxService> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        options.Value.PublishToBus ? Task.Run(() => RunAsync(stoppingToken), CancellationToken.None) : Task.CompletedTask;

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var position = 0L;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                position = await publisher.PublishPendingAsync(stoppingToken).ConfigureAwait(false);
                await store.WaitForEventsAsync(position, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (EventBusClosedException)
            {
                Log.OutboxStoppedBusClosed(logger, position);
                return;
            }
            catch (Exception ex)
            {
                var delay = options.Value.OutboxRetryDelay;
                Log.OutboxPublishFailed(logger, position, delay, ex);
                try
                {
                    await Task.Delay(delay, timeProvider, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
