using EventBus.Samples.Orders.Contracts;

namespace EventBus.Samples.Orders.Services;

/// <summary>Books a <see cref="Carrier"/> for paid, reserved orders.</summary>
public sealed class ShippingService(Carrier carrier, IEventBus bus) : IEventHandler<ShippingRequested>
{
    public const string Source = "/services/ShippingService";

    private static readonly PublishOptions From = new() { Source = Source };

    public async ValueTask HandleAsync(Event<ShippingRequested> @event, CancellationToken cancellationToken = default)
    {
        var request = @event.Payload;
        var tracking = carrier.Book(request.Country);
        if (tracking is null)
        {
            await bus.PublishAsync(new ShippingFailed(request.OrderId, $"no carrier serves {request.Country}"), From, cancellationToken);
        }
        else
        {
            await bus.PublishAsync(new ShippingArranged(request.OrderId, tracking), From, cancellationToken);
        }
    }
}
