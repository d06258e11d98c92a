using System.Globalization;
using System.Text;

namespace EventBus;

/// <summary>Renders what a bus is wired to do, and what its sagas did, as <see href="https://mermaid.js.org">Mermaid</see>
/// diagram text, for a README, a pull request or a dashboard. The diagrams come from the live subscriptions and saga
/// instances, not from a hand-kept drawing.</summary>
public static class Mermaid
{
    /// <summary>Renders the bus's topology as a Mermaid flowchart; see
    /// <see cref="Topology(IEnumerable{IEventSubscription}, IEnumerable{Event})"/>.</summary>
    /// <param name="bus">The bus whose current subscriptions are drawn.</param>
    /// <param name="observed">Events seen on the bus, or <see langword="null"/>.</param>
    /// <returns>The Mermaid text, starting with <c>flowchart LR</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="bus"/> is <see langword="null"/>.</exception>
    public static string Topology(IEventBus bus, IEnumerable<Event>? observed = null)
    {
        ArgumentNullException.ThrowIfNull(bus);
        return Topology(bus.Subscriptions, observed);
    }

    /// <summary>Renders subscriptions as a Mermaid flowchart: a rounded node per event type, a hexagon per wildcard
    /// pattern, a box per subscriber (the part of the subscription name before a colon, so the subscriptions
    /// <c>OrderSaga:order.placed</c> and <c>OrderSaga:payment.processed</c> are one box), and a solid arrow for each
    /// delivery. With <paramref name="observed"/> events, their types are drawn too (wildcards are expanded to the
    /// types they matched) and a dotted arrow goes from each publisher (the last segment of the event's
    /// <see cref="Event.Source"/>) to the types it published.</summary>
    /// <param name="subscriptions">The subscriptions to draw.</param>
    /// <param name="observed">Events seen on the bus, or <see langword="null"/>.</param>
    /// <returns>The Mermaid text, starting with <c>flowchart LR</c>; the same input always gives the same text.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="subscriptions"/> is <see langword="null"/>.</exception>
    public static string Topology(IEnumerable<IEventSubscription> subscriptions, IEnumerable<Event>? observed = null)
    {
        ArgumentNullException.ThrowIfNull(subscriptions);
        var subscribed = subscriptions.Select(s => (Component: ComponentOf(s.Name), s.Pattern)).Distinct().ToList();
        var events = observed?.ToList() ?? [];
        var components = subscribed.Select(s => s.Component).ToHashSet(StringComparer.Ordinal);
        var published = events.Select(e => (Component: PublisherOf(e.Source, components), e.Type)).Distinct().ToList();
        components.UnionWith(published.Select(p => p.Component));

        var eventTypes = events.Select(e => e.Type)
            .Concat(subscribed.Where(s => s.Pattern.IsExact).Select(s => s.Pattern.Value))
            .ToHashSet(StringComparer.Ordinal);
        var wildcards = subscribed.Where(s => !s.Pattern.IsExact).Select(s => s.Pattern).Distinct().ToList();

        var ids = new NodeIds();
        var text = new StringBuilder();
        text.AppendLine("flowchart LR");
        foreach (var component in components.Order(StringComparer.Ordinal))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"    {ids.Of("c", component)}[\"{Label(component)}\"]");
        }

        foreach (var type in eventTypes.Order(StringComparer.Ordinal))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"    {ids.Of("e", type)}([\"{Label(type)}\"])");
        }

        foreach (var pattern in wildcards.Select(p => p.Value).Order(StringComparer.Ordinal))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"    {ids.Of("p", pattern)}{{{{\"{Label(pattern)}\"}}}}");
        }

        foreach (var (component, type) in published.OrderBy(p => p.Component, StringComparer.Ordinal).ThenBy(p => p.Type, StringComparer.Ordinal))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"    {ids.Of("c", component)} -.-> {ids.Of("e", type)}");
        }

        // Exact subscriptions: event type → subscriber. Wildcards: each type they match → pattern → subscriber.
        var edges = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (component, pattern) in subscribed)
        {
            if (pattern.IsExact)
            {
                edges.Add($"    {ids.Of("e", pattern.Value)} --> {ids.Of("c", component)}");
                continue;
            }

            edges.Add($"    {ids.Of("p", pattern.Value)} --> {ids.Of("c", component)}");
            foreach (var type in eventTypes.Where(pattern.IsMatch))
            {
                edges.Add($"    {ids.Of("e", type)} --> {ids.Of("p", pattern.Value)}");
            }
        }

        foreach (var edge in edges)
        {
            text.AppendLine(edge);
        }

        return text.ToString();
    }

    /// <summary>Renders the steps saga instances went through as a Mermaid state diagram: an arrow from step to step
    /// labelled with the event that moved the instance, from <c>[*]</c> to the first step, and from the last step to
    /// <c>[*]</c> labelled with the final status of finished instances. Each transition is drawn once, however many
    /// instances took it.</summary>
    /// <param name="instances">The instances, with their <see cref="SagaInstance.History"/>.</param>
    /// <returns>The Mermaid text, starting with <c>stateDiagram-v2</c>; the same input always gives the same text.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="instances"/> is <see langword="null"/>.</exception>
    public static string SagaFlow(IEnumerable<SagaInstance> instances)
    {
        ArgumentNullException.ThrowIfNull(instances);
        const string Edge = "[*]";
        var transitions = new HashSet<(string From, string To, string Label)>();
        var steps = new HashSet<string>(StringComparer.Ordinal);
        foreach (var instance in instances)
        {
            var previous = Edge;
            var lastEvent = "";
            foreach (var entry in instance.History.Where(h => h.Kind is SagaHistoryKind.Started or SagaHistoryKind.Handled))
            {
                lastEvent = entry.EventType;
                if (entry.Step is { } step && step != previous)
                {
                    transitions.Add((previous, step, entry.EventType));
                    steps.Add(step);
                    previous = step;
                }
            }

            // Compensation moves the step without a Handled entry (OnCompensated runs after the last handler).
            if (instance.CurrentStep is { } final && final != previous)
            {
                transitions.Add((previous, final, lastEvent));
                steps.Add(final);
                previous = final;
            }

            if (instance.IsFinished && previous != Edge)
            {
                transitions.Add((previous, Edge, instance.Status.ToString()));
            }
        }

        var ids = new NodeIds();
        string StateId(string step) => step == Edge ? step : ids.Of("s", step);
        var text = new StringBuilder();
        text.AppendLine("stateDiagram-v2");
        foreach (var step in steps.Order(StringComparer.Ordinal))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"    state \"{Label(step)}\" as {StateId(step)}");
        }

        foreach (var (from, to, label) in transitions.OrderBy(t => t.From, StringComparer.Ordinal).ThenBy(t => t.To, StringComparer.Ordinal).ThenBy(t => t.Label, StringComparer.Ordinal))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"    {StateId(from)} --> {StateId(to)} : {Label(label)}");
        }

        return text.ToString();
    }

    private static string ComponentOf(string subscriptionName)
    {
        var colon = subscriptionName.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 ? subscriptionName[..colon] : subscriptionName;
    }

    private static string PublisherOf(string? source, HashSet<string> components)
    {
        var trimmed = (source ?? "").TrimEnd('/');
        var last = trimmed[(trimmed.LastIndexOf('/') + 1)..];
        if (last.Length == 0)
        {
            return "unknown";
        }

        return components.FirstOrDefault(c => string.Equals(c, last, StringComparison.OrdinalIgnoreCase))
            ?? char.ToUpperInvariant(last[0]) + last[1..];
    }

    // Mermaid labels are quoted: a quote inside one is written as an entity.
    private static string Label(string text) => text.Replace("\"", "#quot;", StringComparison.Ordinal);

    /// <summary>Stable node ids made of letters, digits and underscores; names that would share an id get a suffix.</summary>
    private sealed class NodeIds
    {
        private readonly Dictionary<(string Prefix, string Name), string> _ids = [];
        private readonly HashSet<string> _taken = new(StringComparer.Ordinal);

        public string Of(string prefix, string name)
        {
            if (_ids.TryGetValue((prefix, name), out var id))
            {
                return id;
            }

            var text = new StringBuilder(prefix).Append('_');
            foreach (var c in name)
            {
                text.Append(char.IsAsciiLetterOrDigit(c) ? c : '_');
            }

            var candidate = text.ToString();
            for (var n = 2; !_taken.Add(candidate); n++)
            {
                candidate = text.ToString() + "_" + n.ToString(CultureInfo.InvariantCulture);
            }

            _ids[(prefix, name)] = candidate;
            return candidate;
        }
    }
}
