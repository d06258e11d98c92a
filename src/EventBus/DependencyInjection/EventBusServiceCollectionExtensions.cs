using EventBus.Acknowledgements;
using EventBus;
using EventBus.DeadLetters;
using EventBus.DependencyInjection;
using EventBus.Diagnostics;
using EventBus.Dispatch;
using EventBus.Idempotency;
using EventBus.Resilience;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the event bus in a service collection.</summary>
public static class EventBusServiceCollectionExtensions
{
    /// <summary>Adds the in-process event bus, run as a hosted service. Calling it again only applies
    /// <paramref name="configure"/> again.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Configures <see cref="EventBusOptions"/>; bind the <c>"EventBus"</c> configuration
    /// section with <c>services.Configure&lt;EventBusOptions&gt;(configuration.GetSection("EventBus"))</c>.</param>
    /// <returns>A builder to add handlers, event types and features.</returns>
    public static IEventBusBuilder AddEventBus(this IServiceCollection services, Action<EventBusOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);

        var options = services.AddOptions<EventBusOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EventBusOptions>, EventBusOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EventBusOptions>, ResilienceOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EventBusOptions>, DeadLetterOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EventBusOptions>, IdempotencyOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EventBusOptions>, DiagnosticsOptionsValidator>());

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        services.TryAddSingleton<IEventTypeRegistry, EventTypeRegistry>();
        services.TryAddSingleton<IDeadLetterStore, InMemoryDeadLetterStore>();
        services.TryAddSingleton<DeadLetterSink>();
        services.TryAddSingleton<DeliveryTracker>();
        services.TryAddSingleton<IDeadLetterRedriver, DeadLetterRedriver>();
        services.TryAddSingleton<IInbox, InMemoryInbox>();
        services.TryAddSingleton<EventBusMetrics>();
        services.TryAddSingleton<ChannelEventBus>();
        services.TryAddSingleton<IEventBus>(static sp => sp.GetRequiredService<ChannelEventBus>());
        services.TryAddSingleton<IEventBusLifetime>(static sp => sp.GetRequiredService<ChannelEventBus>());
        services.TryAddSingleton<IAcknowledgingPublisher>(static sp => sp.GetRequiredService<ChannelEventBus>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, EventBusHostedService>());

        return new EventBusBuilder(services);
    }
}
