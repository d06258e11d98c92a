using Microsoft.Extensions.Hosting;

namespace EventBus.DependencyInjection;

/// <summary>Runs the bus for the lifetime of a generic host.</summary>
internal sealed class EventBusHostedService(IEventBusLifetime bus) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => bus.StartAsync(cancellationToken).AsTask();

    public Task StopAsync(CancellationToken cancellationToken) => bus.StopAsync(cancellationToken).AsTask();
}
