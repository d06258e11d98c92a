using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;

namespace EventBus;

/// <summary>Configures duplicate suppression.</summary>
public static class IdempotencyBuilderExtensions
{
    /// <summary>Drops redelivered events (same <see cref="Event.Id"/>) in every subscription, unless a subscription
    /// turns it off with <see cref="SubscriptionOptions.ConfigureIdempotency"/>.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Adjusts the window (also bindable from <c>EventBus:Idempotency</c>).</param>
    /// <returns>The builder.</returns>
    public static IEventBusBuilder AddIdempotency(this IEventBusBuilder builder, Action<IdempotencyOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Configure<EventBusOptions>(o =>
        {
            o.Idempotency.Enabled = true;
            configure?.Invoke(o.Idempotency);
        });
        return builder;
    }

    /// <summary>Replaces the in-memory inbox with a durable one.</summary>
    /// <typeparam name="TInbox">The inbox type, registered as a singleton.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IEventBusBuilder UseInbox<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TInbox>(this IEventBusBuilder builder)
        where TInbox : class, IInbox
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<IInbox, TInbox>();
        return builder;
    }
}
