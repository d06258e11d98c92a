using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using EventBus.DependencyInjection;
using EventBus.Dispatch;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EventBus;

/// <summary>Adds handlers and event types to the bus.</summary>
public static class EventBusBuilderExtensions
{
    /// <summary>Subscribes <typeparamref name="THandler"/> to events with a <typeparamref name="TEvent"/> payload.
    /// The handler is resolved from a new DI scope for each event, and the scope is disposed once it is handled.</summary>
    /// <typeparam name="TEvent">The payload type.</typeparam>
    /// <typeparam name="THandler">The handler type; registered as scoped unless already registered.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Configures the subscription.</param>
    /// <returns>The builder.</returns>
    public static IEventBusBuilder AddHandler<TEvent, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(this IEventBusBuilder builder, Action<SubscriptionOptions>? configure = null)
        where THandler : class, IEventHandler<TEvent>
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddScoped<THandler>();
        builder.Services.AddSingleton(new HandlerRegistration(
            static types => TopicPattern.Exact(types.GetTypeName<TEvent>()),
            typeof(THandler),
            configure,
            static scopes => async (@event, cancellationToken) =>
            {
                var scope = scopes.CreateAsyncScope();
                await using (scope.ConfigureAwait(false))
                {
                    var handler = scope.ServiceProvider.GetRequiredService<THandler>();
                    await handler.HandleAsync(EventHandlerDelegate.AsTyped<TEvent>(@event), cancellationToken).ConfigureAwait(false);
                }
            }));
        return builder;
    }

    /// <summary>Subscribes <typeparamref name="THandler"/> to every event whose type matches <paramref name="pattern"/>.
    /// The handler is resolved from a new DI scope for each event, and the scope is disposed once it is handled.</summary>
    /// <typeparam name="THandler">The handler type; registered as scoped unless already registered.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <param name="pattern">An AMQP-style topic pattern such as <c>order.*</c>.</param>
    /// <param name="configure">Configures the subscription.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="pattern"/> is invalid.</exception>
    public static IEventBusBuilder AddHandler<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(this IEventBusBuilder builder, string pattern, Action<SubscriptionOptions>? configure = null)
        where THandler : class, IEventHandler
    {
        ArgumentNullException.ThrowIfNull(builder);
        var parsed = TopicPattern.Parse(pattern);
        builder.Services.TryAddScoped<THandler>();
        builder.Services.AddSingleton(new HandlerRegistration(
            _ => parsed,
            typeof(THandler),
            configure,
            static scopes => async (@event, cancellationToken) =>
            {
                var scope = scopes.CreateAsyncScope();
                await using (scope.ConfigureAwait(false))
                {
                    var handler = scope.ServiceProvider.GetRequiredService<THandler>();
                    await handler.HandleAsync(@event, cancellationToken).ConfigureAwait(false);
                }
            }));
        return builder;
    }

    /// <summary>Registers <typeparamref name="T"/> under the name of its <see cref="EventTypeAttribute"/>, so events
    /// of that type arriving by name (from a store, a transport or a redrive) resolve to it before this process has
    /// published one.</summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> has no <see cref="EventTypeAttribute"/>;
    /// use <c>AddEventType&lt;T&gt;("name")</c>.</exception>
    public static IEventBusBuilder AddEventType<T>(this IEventBusBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var name = typeof(T).GetCustomAttribute<EventTypeAttribute>(inherit: false)?.Name
            ?? throw new InvalidOperationException($"{typeof(T).FullName} has no [EventType] attribute; register it with AddEventType<{typeof(T).Name}>(\"namespace.name\").");
        return builder.AddEventType<T>(name);
    }

    /// <summary>Names the event type of <typeparamref name="T"/> without an attribute on it.</summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <param name="typeName">The event type name, such as <c>order.placed</c>.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="typeName"/> is invalid.</exception>
    public static IEventBusBuilder AddEventType<T>(this IEventBusBuilder builder, string typeName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        EventTypeName.Validate(typeName, nameof(typeName));
        builder.Services.AddSingleton(new EventTypeRegistration(typeof(T), typeName));
        return builder;
    }
}
