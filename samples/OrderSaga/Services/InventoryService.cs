using EventBus.Samples.Orders.Contracts;

namespace EventBus.Samples.Orders.Services;

/// <summary>Reserves and releases goods in the <see cref="Warehouse"/>.</summary>
public sealed class InventoryService(Warehouse warehouse, IEventBus bus) : IEventHandler<ReservationRequested>, IEventHandler<ReleaseRequested>
{
    public const string Source = "/services/InventoryService";

    private static readonly PublishOptions From = new() { Source = Source };

    public async ValueTask HandleAsync(Event<ReservationRequested> @event, CancellationToken cancellationToken = default)
    {
        var request = @event.Payload;
        var problem = warehouse.Reserve(request.OrderId, request.Sku, request.Quantity);
        if (problem is null)
        {
            await bus.PublishAsync(new InventoryReserved(request.OrderId, request.Sku, request.Quantity), From, cancellationToken);
        }
        else
        {
            await bus.PublishAsync(new InventoryFailed(request.OrderId, problem), From, cancellationToken);
        }
    }

    public async ValueTask HandleAsync(Event<ReleaseRequested> @event, CancellationToken cancellationToken = default)
    {
        var request = @event.Payload;
        warehouse.Release(request.OrderId);
        await bus.PublishAsync(new InventoryReleased(request.OrderId, request.Sku, request.Quantity), From, cancellationToken);
    }
}
