using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace EventBus.Benchmarks.Support;

/// <summary>Per-event publish → handler-start latency at a percentile, measured inside the benchmark process.</summary>
public sealed class LatencyPercentileColumn(int percentile) : IColumn
{
    public string Id => $"{nameof(LatencyPercentileColumn)}.P{percentile}";

    public string ColumnName => percentile == 999 ? "P99.9 latency" : $"P{percentile} latency";

    public bool AlwaysShow => false;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => percentile;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Time;

    public string Legend => $"Per-event latency from publish (or, at a fixed rate, from when the event was due) to handler start, {(percentile == 999 ? "99.9" : percentile.ToString(CultureInfo.InvariantCulture))}th percentile of the kept samples";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var latency = LatencyStore.Read(benchmarkCase);
        return latency is null ? "-" : Format(latency.At(percentile));
    }

    public bool IsAvailable(Summary summary) => summary.BenchmarksCases.Any(c => LatencyStore.Read(c) is { } latency && !double.IsNaN(latency.At(percentile)));

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    private static string Format(double nanoseconds) => nanoseconds switch
    {
        double.NaN => "-",
        < 1_000 => string.Create(CultureInfo.InvariantCulture, $"{nanoseconds:N0} ns"),
        < 1_000_000 => string.Create(CultureInfo.InvariantCulture, $"{nanoseconds / 1_000:N2} μs"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{nanoseconds / 1_000_000:N2} ms"),
    };
}
