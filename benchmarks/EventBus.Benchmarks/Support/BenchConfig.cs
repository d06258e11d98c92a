using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;

namespace EventBus.Benchmarks.Support;

/// <summary>The configuration every suite shares: memory diagnoser, GitHub markdown report and the custom columns.</summary>
/// <remarks>The job comes from the command line (<c>--job short</c> for a quick look); without one it is the default job.</remarks>
public sealed class BenchConfig : ManualConfig
{
    public BenchConfig()
    {
        // Loggers, default exporters (GitHub markdown among them) and validators come from the default config.
        Add(DefaultConfig.Instance);
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(new DeliveriesPerSecondColumn());
        AddColumn(new LatencyPercentileColumn(50));
        AddColumn(new LatencyPercentileColumn(99));
        AddColumn(new LatencyPercentileColumn(999));
        AddColumn(StatisticColumn.Median, StatisticColumn.Min, StatisticColumn.Max);
        AddColumn(new SpeedByMedianColumn());
        SummaryStyle = BenchmarkDotNet.Reports.SummaryStyle.Default.WithMaxParameterColumnWidth(30);
    }
}
