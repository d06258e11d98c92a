using EventBus;
using EventBus.Testing;
using EventBus.Testing.DeadLetters;
using EventBus.Testing.Harness;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the <see cref="EventBusTestHarness"/>.</summary>
public static class EventBusTestHarnessServiceCollectionExtensions
{
    /// <summary>Adds the event bus (if not added yet) and the test harness: a <see cref="FakeTimeProvider"/> as the
    /// bus's clock unless a clock other than <see cref="TimeProvider.System"/> is registered, a subscription to <c>#</c>
    /// that records every published event, and a decorator around the registered <see cref="IDeadLetterStore"/> that
    /// records every dead letter.</summary>
    /// <param name="services">The service collection.</param>
    /// <returns>The service collection.</returns>
    /// <remarks>Call it after the bus is configured: it wraps the dead-letter store registered at that moment.
    /// Calling it twice is harmless.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    public static IServiceCollection AddEventBusTestHarness(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(static d => d.ServiceType == typeof(EventBusTestHarness)))
        {
            return services;
        }

        var builder = services.AddEventBus();

        // AddEventBus registers the system clock as a default: a test wants the fake one instead.
        var clock = services.LastOrDefault(static d => d.ServiceType == typeof(TimeProvider));
        if (clock is null || ReferenceEquals(clock.ImplementationInstance, TimeProvider.System))
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(new FakeTimeProvider());
        }

        services.AddSingleton<EventBusTestHarness>();
        services.TryAddSingleton<RecordingHandler>();
        builder.AddHandler<RecordingHandler>("#", static o => o.Name = HarnessConstants.RecorderSubscriptionName);

        var store = services.Last(static d => d.ServiceType == typeof(IDeadLetterStore));
        services.Remove(store);
        services.AddSingleton<IDeadLetterStore>(sp => new RecordingDeadLetterStore(CreateInner(sp, store), sp.GetRequiredService<EventBusTestHarness>()));
        return services;
    }

    private static IDeadLetterStore CreateInner(IServiceProvider services, ServiceDescriptor descriptor)
    {
        if (descriptor.ImplementationInstance is IDeadLetterStore instance)
        {
            return instance;
        }

        if (descriptor.ImplementationFactory is { } factory)
        {
            return (IDeadLetterStore)factory(services);
        }

        return (IDeadLetterStore)ActivatorUtilities.CreateInstance(services, descriptor.ImplementationType!);
    }
}
