using System.Globalization;

namespace EventBus.Benchmarks.EventStore;

/// <summary>One aggregate-load case: the store and the length of the aggregate's stream.</summary>
public sealed record LoadCase(StoreBackend Backend, int Events)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Backend}, {Events:N0} events");
}
