using Microsoft.Extensions.DependencyInjection;

namespace EventBus.DependencyInjection;

/// <summary>A DI handler registered with the builder, subscribed when the bus starts.</summary>
internal sealed class HandlerRegistration(
    Func<IEventTypeRegistry, TopicPattern> pattern,
    Type handlerType,
    Action<SubscriptionOptions>? configure,
    Func<IServiceScopeFactory, Func<Event, CancellationToken, ValueTask>> createHandler)
{
    public Func<IEventTypeRegistry, TopicPattern> Pattern { get; } = pattern;

    public Type HandlerType { get; } = handlerType;

    public Action<SubscriptionOptions>? Configure { get; } = configure;

    public Func<IServiceScopeFactory, Func<Event, CancellationToken, ValueTask>> CreateHandler { get; } = createHandler;
}
