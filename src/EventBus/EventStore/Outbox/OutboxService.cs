using EventBus.EventStore.Leases;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EventBus.EventStore.Outbox;

/// <summary>Runs the outbox in the background while the host runs and this instance holds the <c>$outbox</c> lease
/// (see <see cref="OutboxPublisher"/>).</summary>
internal sealed class OutboxService(OutboxPublisher publisher, ProcessorLeaseRunner leases, IOptions<EventStoreOptions> options) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        options.Value.PublishToBus
            ? Task.Run(() => leases.RunAsync(OutboxPublisher.CheckpointName, publisher.RunAsync, whileWaiting: null, stoppingToken), CancellationToken.None)
            : Task.CompletedTask;
}
