using BenchmarkDotNet.Configs;

namespace EventBus.Benchmarks.Support;

/// <summary>Adds the <see cref="EventsPerSecondColumn"/> to a suite (<c>[Config(typeof(EventsPerSecondConfig))]</c>).</summary>
public sealed class EventsPerSecondConfig : ManualConfig
{
    public EventsPerSecondConfig() => AddColumn(new EventsPerSecondColumn());
}
