using System.Globalization;

namespace EventBus.Benchmarks.Support;

/// <summary>Per-event latency percentiles in nanoseconds (p99.9 only where a suite records it).</summary>
public sealed record LatencySummary(double P50Nanoseconds, double P99Nanoseconds, int Samples, double P999Nanoseconds = double.NaN)
{
    /// <summary>Gets the latency at a percentile: 50, 99, or 999 for p99.9.</summary>
    public double At(int percentile) => percentile switch
    {
        50 => P50Nanoseconds,
        99 => P99Nanoseconds,
        999 => P999Nanoseconds,
        _ => throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "Only p50, p99 and p99.9 (999) are recorded."),
    };

    public string Serialize() => string.Create(CultureInfo.InvariantCulture, $"{P50Nanoseconds:R} {P99Nanoseconds:R} {Samples} {P999Nanoseconds:R}");

    public static LatencySummary? Parse(string text)
    {
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is not (3 or 4)
            || !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var p50)
            || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var p99)
            || !int.TryParse(parts[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var samples))
        {
            return null;
        }

        var p999 = parts.Length == 4 && double.TryParse(parts[3], NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : double.NaN;
        return new LatencySummary(p50, p99, samples, p999);
    }
}
