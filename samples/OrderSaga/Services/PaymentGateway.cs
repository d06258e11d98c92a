using System.Collections.Concurrent;

namespace EventBus.Samples.Orders.Services;

/// <summary>A pretend card processor with test cards, like a payment provider's sandbox.</summary>
public sealed class PaymentGateway
{
    /// <summary>A card that is always approved.</summary>
    public const string GoodCard = "4242-4242-4242-4242";

    /// <summary>A card that is always declined.</summary>
    public const string DeclinedCard = "4000-0000-0000-0002";

    /// <summary>A card whose issuer never answers: the payment hangs and the saga's timeout cancels the order.</summary>
    public const string SilentCard = "4000-0000-0000-0119";

    private readonly ConcurrentDictionary<string, string> _charges = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, decimal> _refunds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _voided = new(StringComparer.Ordinal);
    private int _sequence;

    /// <summary>Gets the payment id per charged order.</summary>
    public IReadOnlyDictionary<string, string> Charges => _charges;

    /// <summary>Gets the refunded amount per order.</summary>
    public IReadOnlyDictionary<string, decimal> Refunds => _refunds;

    /// <summary>Occurs when a charge gets no answer (the <see cref="SilentCard"/>), with the order id: from then on
    /// only the saga's payment timeout moves that order on.</summary>
    public event Action<string>? Unanswered;

    /// <summary>Charges a card once per order: asking again for the same order returns the first charge.</summary>
    public PaymentDecision Charge(string orderId, string card)
    {
        var decision = card switch
        {
            _ when _voided.ContainsKey(orderId) => new PaymentDecision(PaymentOutcome.Declined, null, "payment voided"),
            DeclinedCard => new PaymentDecision(PaymentOutcome.Declined, null, "card declined by issuer"),
            SilentCard => new PaymentDecision(PaymentOutcome.NoAnswer, null, "issuer did not answer"),
            _ => new PaymentDecision(
                PaymentOutcome.Approved,
                _charges.GetOrAdd(orderId, _ => $"pay-{Interlocked.Increment(ref _sequence):D4}"),
                null),
        };
        if (decision.Outcome == PaymentOutcome.NoAnswer)
        {
            Unanswered?.Invoke(orderId);
        }

        return decision;
    }

    /// <summary>Voids an order's payment: a charge made already is refunded, a later charge is declined.</summary>
    /// <returns>The payment id if a charge was refunded; otherwise, <see langword="null"/>.</returns>
    public string? Void(string orderId, decimal amount)
    {
        _voided.TryAdd(orderId, true);
        return _charges.TryGetValue(orderId, out var paymentId) && Refund(orderId, amount) ? paymentId : null;
    }

    /// <summary>Refunds a charge once: asking again refunds nothing more.</summary>
    /// <returns><see langword="true"/> if this call refunded; <see langword="false"/> if it was refunded already.</returns>
    public bool Refund(string orderId, decimal amount) => _refunds.TryAdd(orderId, amount);
}

/// <summary>What the gateway said about a charge.</summary>
public sealed record PaymentDecision(PaymentOutcome Outcome, string? PaymentId, string? Reason);

/// <summary>How a charge went.</summary>
public enum PaymentOutcome
{
    Approved,
    Declined,
    NoAnswer,
}
