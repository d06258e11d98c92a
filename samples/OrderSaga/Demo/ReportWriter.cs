using System.Globalization;
using System.Text;
using EventBus.Samples.Orders.Contracts;

namespace EventBus.Samples.Orders.Demo;

/// <summary>Renders a <see cref="DemoReport"/> as text: a timeline per order, a summary table, the dead letters.</summary>
public static class ReportWriter
{
    public static string Render(DemoReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var text = new StringBuilder();
        text.Append(RenderTimelines(report)).AppendLine();
        text.Append(RenderSummary(report)).AppendLine();
        text.Append(RenderDeadLetters(report));
        return text.ToString();
    }

    /// <summary>One block per order: its events grouped by correlation id, each with the event that caused it.</summary>
    public static string RenderTimelines(DemoReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var text = new StringBuilder();
        text.AppendLine("Timeline per order (grouped by correlation id, in time order; ← names the event that caused each one)");

        // The recording subscription sees events in the order their publishers enqueued them, which two concurrent
        // publishers can swap after stamping their times: sort by time. The sort is stable, and an event is always
        // stamped after the event that caused it, so ties keep cause before effect.
        var inTimeOrder = report.Timeline.OrderBy(e => e.Time).ToList();
        foreach (var group in inTimeOrder.GroupBy(e => e.CorrelationId ?? e.Id, StringComparer.Ordinal))
        {
            var events = group.ToList();
            var orderId = events.Select(OrderOutcome.OrderIdOf).FirstOrDefault(id => id is not null) ?? "?";
            var outcome = report.Outcomes.FirstOrDefault(o => o.OrderId == orderId);
            text.AppendLine();
            text.Append(CultureInfo.InvariantCulture, $"Order {orderId}")
                .Append(outcome is null ? "" : $" — planned: {Describe(outcome.PlannedFlow)}; outcome: {outcome.Summary}")
                .AppendLine(CultureInfo.InvariantCulture, $"  (correlation {Short(group.Key)})");

            // Number events per order so causation reads as "← #2" instead of a 36-character id.
            var numbers = new Dictionary<string, int>(StringComparer.Ordinal);
            var start = events[0].Time;
            foreach (var e in events)
            {
                var seen = numbers.TryGetValue(e.Id, out var number);
                if (!seen)
                {
                    number = numbers.Count + 1;
                    numbers[e.Id] = number;
                }

                var cause = e.CausationId is null ? "root"
                    : numbers.TryGetValue(e.CausationId, out var causeNumber) ? $"← #{causeNumber} {events.First(x => x.Id == e.CausationId).Type}"
                    : "← " + Short(e.CausationId);
                var offset = (e.Time - start).TotalMilliseconds;
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"  {"#" + number,-4} +{offset,7:0} ms  {e.Type,-32} {cause,-40} {Source(e),-18} {Detail(e)}{(seen ? "  (same event delivered again)" : "")}");
            }
        }

        return text.ToString();
    }

    /// <summary>A table with one row per order: planned flow, outcome, saga status and step, reason.</summary>
    public static string RenderSummary(DemoReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var text = new StringBuilder();
        text.AppendLine("Summary");
        var header = $"  {"order",-8} {"planned flow",-18} {"outcome",-30} {"saga",-12} {"step",-12} {"ok",-3} reason";
        text.AppendLine(header);
        text.AppendLine("  " + new string('-', header.Length + 16));
        foreach (var o in report.Outcomes)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"  {o.OrderId,-8} {Describe(o.PlannedFlow),-18} {o.Summary,-30} {o.SagaStatus?.ToString() ?? "-",-12} {o.FinalStep ?? "-",-12} {(o.AsPlanned ? "✓" : "✗"),-3} {o.Reason ?? "-"}");
        }

        text.AppendLine();
        foreach (var group in report.Outcomes.GroupBy(o => o.Summary).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {group.Count(),3} × {group.Key}");
        }

        var planned = report.Outcomes.Count(o => o.AsPlanned);
        text.AppendLine(CultureInfo.InvariantCulture, $"  {planned} of {report.Outcomes.Count} orders ended as planned; {report.Timeline.Count} events crossed the bus.");
        return text.ToString();
    }

    public static string RenderDeadLetters(DemoReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (report.DeadLetters.Count == 0)
        {
            return "Dead letters: none" + Environment.NewLine;
        }

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Dead letters: {report.DeadLetters.Count}");
        foreach (var d in report.DeadLetters)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"  {d.Event.Type,-32} {d.SubscriptionName,-40} {d.Reason,-16} {d.ExceptionType}: {d.ExceptionMessage}");
        }

        return text.ToString();
    }

    public static string Describe(OrderFlow flow) => flow switch
    {
        OrderFlow.HappyPath => "happy path",
        OrderFlow.PaymentDeclined => "payment declined",
        OrderFlow.OutOfStock => "out of stock",
        OrderFlow.PaymentTimeout => "payment timeout",
        OrderFlow.ShippingFailed => "shipping failed",
        OrderFlow.DuplicateOrder => "duplicate placed",
        _ => flow.ToString(),
    };

    private static string Source(Event e) => e.Source is { } source ? source[(source.LastIndexOf('/') + 1)..] : "";

    private static string Short(string id) => id.Length <= 8 ? id : "…" + id[^8..];

    private static string Detail(Event e) => e.Payload switch
    {
        OrderPlaced p => $"{p.Quantity} × {p.Sku}, {p.Amount.ToString("0.00", CultureInfo.InvariantCulture)}, to {p.Country}",
        PaymentProcessed p => p.PaymentId,
        PaymentFailed p => p.Reason,
        PaymentTimedOut p => $"after {p.After.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s",
        InventoryFailed p => p.Reason,
        ShippingArranged p => p.TrackingNumber,
        ShippingFailed p => p.Reason,
        OrderCancelled p => p.Reason,
        PaymentRefunded p => p.Amount.ToString("0.00", CultureInfo.InvariantCulture),
        _ => "",
    };
}
