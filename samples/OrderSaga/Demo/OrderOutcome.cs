using EventBus.Samples.Orders.Contracts;

namespace EventBus.Samples.Orders.Demo;

/// <summary>How one order ended, read from the events on the bus and the saga instance.</summary>
public sealed record OrderOutcome
{
    public required string OrderId { get; init; }

    public required OrderFlow PlannedFlow { get; init; }

    /// <summary>Gets the correlation id shared by the order's events.</summary>
    public string? CorrelationId { get; init; }

    public SagaStatus? SagaStatus { get; init; }

    public string? FinalStep { get; init; }

    public string? Reason { get; init; }

    public bool Completed { get; init; }

    public bool Cancelled { get; init; }

    public bool Refunded { get; init; }

    public bool Released { get; init; }

    /// <summary>Gets how many times the saga was started for the order (1 unless a duplicate slipped through).</summary>
    public int Starts { get; init; }

    /// <summary>Gets how many times <c>order.placed</c> was delivered for the order.</summary>
    public int PlacedDeliveries { get; init; }

    /// <summary>Gets a short human description: completed, or what was undone and cancelled.</summary>
    public string Summary => (Completed, Cancelled, Refunded, Released) switch
    {
        (true, false, false, false) => "completed",
        (false, true, true, true) => "released, refunded, cancelled",
        (false, true, true, false) => "refunded, cancelled",
        (false, true, false, false) => "cancelled",
        (false, false, _, _) => "unfinished",
        _ => "inconsistent",
    };

    /// <summary>Gets a value indicating whether the order ended the way its planned flow says it must.</summary>
    public bool AsPlanned => Starts == 1 && PlannedFlow switch
    {
        OrderFlow.HappyPath => Summary == "completed" && SagaStatus == EventBus.SagaStatus.Completed,
        OrderFlow.DuplicateOrder => Summary == "completed" && SagaStatus == EventBus.SagaStatus.Completed && PlacedDeliveries == 2,
        OrderFlow.PaymentDeclined => Summary == "cancelled" && Reason?.StartsWith("payment declined", StringComparison.Ordinal) == true,
        OrderFlow.PaymentTimeout => Summary == "cancelled" && Reason?.StartsWith("payment not confirmed", StringComparison.Ordinal) == true,
        OrderFlow.OutOfStock => Summary == "refunded, cancelled" && Reason?.StartsWith("out of stock", StringComparison.Ordinal) == true,
        OrderFlow.ShippingFailed => Summary == "released, refunded, cancelled" && Reason?.StartsWith("shipping failed", StringComparison.Ordinal) == true,
        _ => false,
    };

    /// <summary>Reads the outcome of <paramref name="planned"/> from the timeline and its saga instance.</summary>
    public static OrderOutcome From(PlannedOrder planned, IReadOnlyList<Event> timeline, SagaInstance<OrderState>? instance)
    {
        ArgumentNullException.ThrowIfNull(planned);
        ArgumentNullException.ThrowIfNull(timeline);
        var orderId = planned.Order.OrderId;
        var mine = timeline.Where(e => OrderIdOf(e) == orderId).ToList();
        var cancelled = mine.Select(e => e.Payload).OfType<OrderCancelled>().FirstOrDefault();
        return new OrderOutcome
        {
            OrderId = orderId,
            PlannedFlow = planned.Flow,
            CorrelationId = mine.FirstOrDefault(e => e.Payload is OrderPlaced)?.CorrelationId,
            SagaStatus = instance?.Status,
            FinalStep = instance?.CurrentStep,
            Reason = cancelled?.Reason ?? instance?.CompensationReason,
            Completed = mine.Any(e => e.Payload is OrderCompleted),
            Cancelled = cancelled is not null,
            Refunded = mine.Any(e => e.Payload is PaymentRefunded),
            Released = mine.Any(e => e.Payload is InventoryReleased),
            Starts = instance?.History.Count(h => h.Kind == SagaHistoryKind.Started) ?? 0,
            PlacedDeliveries = mine.Count(e => e.Payload is OrderPlaced),
        };
    }

    /// <summary>Gets the order id every message of the sample carries.</summary>
    public static string? OrderIdOf(Event @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        return @event.Payload switch
        {
            OrderPlaced p => p.OrderId,
            PaymentRequested p => p.OrderId,
            PaymentProcessed p => p.OrderId,
            PaymentFailed p => p.OrderId,
            PaymentTimedOut p => p.OrderId,
            RefundRequested p => p.OrderId,
            PaymentVoidRequested p => p.OrderId,
            PaymentVoided p => p.OrderId,
            PaymentRefunded p => p.OrderId,
            ReservationRequested p => p.OrderId,
            InventoryReserved p => p.OrderId,
            InventoryFailed p => p.OrderId,
            ReleaseRequested p => p.OrderId,
            InventoryReleased p => p.OrderId,
            ShippingRequested p => p.OrderId,
            ShippingArranged p => p.OrderId,
            ShippingFailed p => p.OrderId,
            OrderCompleted p => p.OrderId,
            OrderCancelled p => p.OrderId,
            _ => null,
        };
    }
}
