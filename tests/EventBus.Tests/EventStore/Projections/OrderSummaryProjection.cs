using EventBus.Tests.TestSupport;

namespace EventBus.Tests.EventStore.Projections;

public sealed record OrderSummary(string OrderId, decimal Amount, bool Shipped);

/// <summary>A read model of orders, and the positions it applied (to check order and duplicates).</summary>
public sealed class OrderSummaryProjection : IProjection
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, OrderSummary> _orders = [];
    private readonly List<long> _applied = [];

    public Func<StoredEvent, bool>? FailWhen { get; set; }

    public Recorder<long> Applied { get; } = new();

    public IReadOnlyDictionary<string, OrderSummary> Orders
    {
        get
        {
            lock (_lock)
            {
                return new Dictionary<string, OrderSummary>(_orders);
            }
        }
    }

    public IReadOnlyList<long> Positions
    {
        get
        {
            lock (_lock)
            {
                return [.. _applied];
            }
        }
    }

    public ValueTask ApplyAsync(StoredEvent @event, CancellationToken cancellationToken)
    {
        if (FailWhen?.Invoke(@event) == true)
        {
            throw new InvalidOperationException($"poison at {@event.Position}");
        }

        lock (_lock)
        {
            switch (@event.Event.Payload)
            {
                case OrderPlaced placed:
                    _orders[placed.OrderId] = new OrderSummary(placed.OrderId, placed.Amount, false);
                    break;
                case OrderShipped shipped when _orders.TryGetValue(shipped.OrderId, out var order):
                    _orders[shipped.OrderId] = order with { Shipped = true };
                    break;
            }

            _applied.Add(@event.Position);
        }

        Applied.Add(@event.Position);
        return default;
    }

    public ValueTask ResetAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _orders.Clear();
            _applied.Clear();
        }

        return default;
    }
}
