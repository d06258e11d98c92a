using Microsoft.Extensions.DependencyInjection;

namespace EventBus;

/// <summary>Configures the event bus registered by <c>AddEventBus</c>; feature methods extend it and return it.</summary>
public interface IEventBusBuilder
{
    /// <summary>Gets the service collection the bus is registered in.</summary>
    IServiceCollection Services { get; }
}
