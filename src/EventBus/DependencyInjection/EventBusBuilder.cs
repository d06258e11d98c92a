using Microsoft.Extensions.DependencyInjection;

namespace EventBus.DependencyInjection;

internal sealed class EventBusBuilder(IServiceCollection services) : IEventBusBuilder
{
    public IServiceCollection Services { get; } = services;
}
