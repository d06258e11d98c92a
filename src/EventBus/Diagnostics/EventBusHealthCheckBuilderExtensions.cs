using EventBus.DeadLetters;
using EventBus.Dispatch;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace EventBus;

/// <summary>Adds the bus health check.</summary>
public static class EventBusHealthCheckBuilderExtensions
{
    /// <summary>Registers <see cref="EventBusHealthCheck"/> as a singleton. Add it to the health check service with
    /// <c>services.AddHealthChecks().AddCheck&lt;EventBusHealthCheck&gt;("eventbus")</c>.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Adjusts the thresholds (also bindable from <c>EventBus:Diagnostics:HealthCheck</c>).</param>
    /// <returns>The builder.</returns>
    public static IEventBusBuilder AddHealthCheck(this IEventBusBuilder builder, Action<EventBusHealthCheckOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (configure is not null)
        {
            builder.Services.Configure<EventBusOptions>(o => configure(o.Diagnostics.HealthCheck));
        }

        builder.Services.TryAddSingleton(static sp => new EventBusHealthCheck(
            sp.GetRequiredService<ChannelEventBus>(),
            sp.GetRequiredService<DeadLetterSink>(),
            sp.GetRequiredService<IOptions<EventBusOptions>>()));
        return builder;
    }
}
