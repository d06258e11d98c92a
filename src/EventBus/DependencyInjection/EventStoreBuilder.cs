using Microsoft.Extensions.DependencyInjection;

namespace EventBus.DependencyInjection;

internal sealed class EventStoreBuilder(IServiceCollection services) : IEventStoreBuilder
{
    public IServiceCollection Services { get; } = services;
}
