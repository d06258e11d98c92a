using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace EventBus.Benchmarks.Support;

/// <summary>Handler runs per second: subscribers × published events per second (from the mean time per event).</summary>
public sealed class DeliveriesPerSecondColumn : IColumn
{
    public const string SubscribersParameter = "Subscribers";

    public string Id => nameof(DeliveriesPerSecondColumn);

    public string ColumnName => "Deliveries/s";

    public bool AlwaysShow => false;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Handler runs per second (subscribers × events per second), from the mean";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var mean = summary[benchmarkCase]?.ResultStatistics?.Mean;
        var subscribers = benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == SubscribersParameter)?.Value;
        if (mean is not > 0 || subscribers is not int count)
        {
            return "-";
        }

        var perSecond = count * 1e9 / mean.Value;
        return perSecond >= 1e6
            ? string.Create(CultureInfo.InvariantCulture, $"{perSecond / 1e6:N2} M")
            : string.Create(CultureInfo.InvariantCulture, $"{perSecond / 1e3:N1} k");
    }

    public bool IsAvailable(Summary summary) =>
        summary.BenchmarksCases.Any(c => c.Parameters.Items.Any(p => p.Name == SubscribersParameter));

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}
