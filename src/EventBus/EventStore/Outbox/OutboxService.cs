using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EventBus.EventStore.Outbox;

/// <summary>Runs the outbox in the background while the host runs (see <see cref="OutboxPublisher"/>).</summary>
internal sealed class OutboxService(OutboxPublisher publisher, IOptions<EventStoreOptions> options) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        options.Value.PublishToBus ? Task.Run(() => publisher.RunAsync(stoppingToken), CancellationToken.None) : Task.CompletedTask;
}
