using Microsoft.Extensions.DependencyInjection;

namespace EventBus.Sqlite.CrashHost;

/// <summary>Wraps the bus and prints <c>PUB &lt;event id&gt;</c> before each event is handed to it. The outbox saves
/// its checkpoint only after the events were handed over (and finished), so every event at or below a saved
/// checkpoint has had its line written to the pipe before the process could be killed.</summary>
internal sealed class PrintingBus(IEventBus inner, IAcknowledgingPublisher acknowledging) : IEventBus, IAcknowledgingPublisher
{
    public IReadOnlyList<IEventSubscription> Subscriptions => inner.Subscriptions;

    public static void Decorate(IServiceCollection services)
    {
        var registered = services.Last(d => d.ServiceType == typeof(IEventBus));
        var factory = registered.ImplementationFactory
            ?? throw new InvalidOperationException("Expected the bus to be registered with a factory.");
        var acknowledging = services.Last(d => d.ServiceType == typeof(IAcknowledgingPublisher));
        var acknowledgingFactory = acknowledging.ImplementationFactory
            ?? throw new InvalidOperationException("Expected the acknowledging publisher to be registered with a factory.");
        services.Remove(registered);
        services.Remove(acknowledging);
        services.AddSingleton(sp => new PrintingBus((IEventBus)factory(sp), (IAcknowledgingPublisher)acknowledgingFactory(sp)));
        services.AddSingleton<IEventBus>(sp => sp.GetRequiredService<PrintingBus>());
        services.AddSingleton<IAcknowledgingPublisher>(sp => sp.GetRequiredService<PrintingBus>());
    }

    ValueTask<DeliveryReceipt> IAcknowledgingPublisher.PublishAsync(Event @event, CancellationToken cancellationToken)
    {
        Console.Out.WriteLine($"PUB {@event.Id}");
        return acknowledging.PublishAsync(@event, cancellationToken);
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
