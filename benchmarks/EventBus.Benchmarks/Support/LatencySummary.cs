using System.Globalization;

namespace EventBus.Benchmarks.Support;

/// <summary>Per-event latency percentiles in nanoseconds.</summary>
public sealed record LatencySummary(double P50Nanoseconds, double P99Nanoseconds, int Samples)
{
    public double At(int percentile) => percentile switch
    {
        50 => P50Nanoseconds,
        99 => P99Nanoseconds,
        _ => throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "Only p50 and p99 are recorded."),
    };

    public string Serialize() => string.Create(CultureInfo.InvariantCulture, $"{P50Nanoseconds:R} {P99Nanoseconds:R} {Samples}");

    public static LatencySummary? Parse(string text)
    {
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length == 3
            && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var p50)
            && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var p99)
            && int.TryParse(parts[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var samples)
            ? new LatencySummary(p50, p99, samples)
            : null;
    }
}
