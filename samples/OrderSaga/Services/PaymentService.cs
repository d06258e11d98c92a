using EventBus.Samples.Orders.Contracts;

namespace EventBus.Samples.Orders.Services;

/// <summary>Charges and refunds orders. It knows nothing of the saga: it reacts to requests on the bus and
/// publishes what happened. The bus stamps correlation and causation from the request being handled.</summary>
public sealed class PaymentService(PaymentGateway gateway, IEventBus bus)
    : IEventHandler<PaymentRequested>, IEventHandler<RefundRequested>, IEventHandler<PaymentVoidRequested>
{
    public const string Source = "/services/PaymentService";

    private static readonly PublishOptions From = new() { Source = Source };

    public async ValueTask HandleAsync(Event<PaymentRequested> @event, CancellationToken cancellationToken = default)
    {
        var request = @event.Payload;
        var decision = gateway.Charge(request.OrderId, request.Card);
        switch (decision.Outcome)
        {
            case PaymentOutcome.Approved:
                await bus.PublishAsync(new PaymentProcessed(request.OrderId, decision.PaymentId!, request.Amount), From, cancellationToken);
                break;
            case PaymentOutcome.Declined:
                await bus.PublishAsync(new PaymentFailed(request.OrderId, decision.Reason!), From, cancellationToken);
                break;
            default:
                break; // the issuer never answers: nothing to publish, the saga's timeout decides
        }
    }

    public async ValueTask HandleAsync(Event<RefundRequested> @event, CancellationToken cancellationToken = default)
    {
        var refund = @event.Payload;
        gateway.Refund(refund.OrderId, refund.Amount);

        // Confirm even a repeated refund: the saga ignores the second confirmation, and money moves only once.
        await bus.PublishAsync(new PaymentRefunded(refund.OrderId, refund.PaymentId, refund.Amount), From, cancellationToken);
    }

    public async ValueTask HandleAsync(Event<PaymentVoidRequested> @event, CancellationToken cancellationToken = default)
    {
        var request = @event.Payload;
        if (gateway.Void(request.OrderId, request.Amount) is { } refundedPayment)
        {
            await bus.PublishAsync(new PaymentRefunded(request.OrderId, refundedPayment, request.Amount), From, cancellationToken);
        }
        else
        {
            await bus.PublishAsync(new PaymentVoided(request.OrderId), From, cancellationToken);
        }
    }
}
