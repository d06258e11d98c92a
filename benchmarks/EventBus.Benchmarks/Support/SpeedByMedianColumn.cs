using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace EventBus.Benchmarks.Support;

/// <summary>Speed relative to the baseline of the same parameters, from medians: baseline median ÷ this median (above
/// 1 is faster than the baseline).</summary>
/// <remarks>BenchmarkDotNet's <c>Ratio</c> divides means, which a bimodal run (a few slow iterations, common on a shared
/// 2-core machine) drags towards its slow mode; the median is what a typical iteration took.</remarks>
public sealed class SpeedByMedianColumn : IColumn
{
    public string Id => nameof(SpeedByMedianColumn);

    public string ColumnName => "Speed (median)";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Baseline;

    public int PriorityInCategory => 10;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Baseline median / this median, same parameters: the speed relative to the baseline (above 1 is faster)";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var baseline = summary.GetBaseline(summary.GetLogicalGroupKey(benchmarkCase));
        var median = summary[benchmarkCase]?.ResultStatistics?.Median;
        var baselineMedian = baseline is null ? null : summary[baseline]?.ResultStatistics?.Median;
        if (median is not > 0 || baselineMedian is not > 0)
        {
            return "-";
        }

        return string.Create(CultureInfo.InvariantCulture, $"{baselineMedian.Value / median.Value:0.00}x");
    }

    public bool IsAvailable(Summary summary) => summary.BenchmarksCases.Any(summary.IsBaseline);

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}
