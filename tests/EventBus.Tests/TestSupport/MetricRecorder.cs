using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using EventBus.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace EventBus.Tests.TestSupport;

/// <summary>Listens to the meter of one bus only (tests run in parallel) and keeps every measurement.</summary>
public sealed class MetricRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<Measurement> _measurements = new();

    public MetricRecorder(IServiceProvider provider)
    {
        var meter = provider.GetRequiredService<EventBusMetrics>().Meter;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    public IReadOnlyList<Measurement> Measurements => [.. _measurements];

    public IEnumerable<Measurement> Of(string instrument) => _measurements.Where(m => m.Instrument == instrument);

    public double Sum(string instrument, string? tag = null, object? value = null) =>
        Of(instrument).Where(m => tag is null || Equals(m.Tags.GetValueOrDefault(tag), value)).Sum(m => m.Value);

    /// <summary>Polls the observable gauges once.</summary>
    public void Collect() => _listener.RecordObservableInstruments();

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        _measurements.Enqueue(new Measurement(instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value)));

    public sealed record Measurement(string Instrument, double Value, Dictionary<string, object?> Tags);
}
