using Microsoft.Extensions.DependencyInjection;

namespace EventBus.Sqlite.CrashHost;

/// <summary>Wraps the bus and prints <c>PUB &lt;event id&gt;</c> before each event is handed to it. The outbox saves
/// its checkpoint only after <see cref="PublishAsync(Event, CancellationToken)"/> returned, so every event at or
/// below a saved checkpoint has had its line written to the pipe before the process could be killed.</summary>
internal sealed class PrintingBus(IEventBus inner) : IEventBus
{
    public IReadOnlyList<IEventSubscription> Subscriptions => inner.Subscriptions;

    public static void Decorate(IServiceCollection services)
    {
        var registered = services.Last(d => d.ServiceType == typeof(IEventBus));
        var factory = registered.ImplementationFactory
            ?? throw new InvalidOperationException("Expected the bus to be registered with a factory.");
        services.Remove(registered);
        services.AddSingleton<IEventBus>(sp => new PrintingBus((IEventBus)factory(sp)));
    }

    public ValueTask PublishAsync(Event @event, CancellationToken cancellationToken = default)
    {
        Console.Out.WriteLine($"PUB {@event.Id}");
        return inner.PublishAsync(@event, cancellationToken);
    }

    public ValueTask PublishAsync<T>(T payload, PublishOptions? options, CancellationToken cancellationToken = default) =>
        inner.PublishAsync(payload, options, cancellationToken);

    public IEventSubscription Subscribe<T>(Func<Event<T>, CancellationToken, ValueTask> handler, SubscriptionOptions? options = null) =>
        inner.Subscribe(handler, options);

    public IEventSubscription Subscribe(string pattern, Func<Event, CancellationToken, ValueTask> handler, SubscriptionOptions? options = null) =>
        inner.Subscribe(pattern, handler, options);
}
