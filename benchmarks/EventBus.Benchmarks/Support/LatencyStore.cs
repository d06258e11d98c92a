using BenchmarkDotNet.Running;

namespace EventBus.Benchmarks.Support;

/// <summary>
/// Hands per-event latency percentiles from the benchmark process (which measures) to the host process (which prints
/// the table): the benchmark writes a small file at global cleanup, the column reads it.
/// </summary>
/// <remarks>BenchmarkDotNet runs each benchmark in a child process that inherits the host's environment, so the host
/// chooses the directory once and passes it down in <see cref="DirectoryVariable"/>.</remarks>
public static class LatencyStore
{
    public const string DirectoryVariable = "EVENTBUS_BENCH_LATENCY_DIR";

    /// <summary>Chooses (and empties) the directory for this run; called by the host before running benchmarks.</summary>
    public static void PrepareHostDirectory()
    {
        if (Environment.GetEnvironmentVariable(DirectoryVariable) is { Length: > 0 })
        {
            return;
        }

        var directory = Path.Combine(Path.GetTempPath(), $"eventbus-bench-latency-{Environment.ProcessId}");
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        Directory.CreateDirectory(directory);
        Environment.SetEnvironmentVariable(DirectoryVariable, directory);
    }

    public static void Write(string benchmarkType, string method, string parameters, LatencySummary summary)
    {
        var directory = Environment.GetEnvironmentVariable(DirectoryVariable);
        if (string.IsNullOrEmpty(directory) || summary.Samples == 0)
        {
            return;
        }

        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, FileName(benchmarkType, method, parameters)), summary.Serialize());
    }

    public static LatencySummary? Read(BenchmarkCase benchmarkCase)
    {
        var directory = Environment.GetEnvironmentVariable(DirectoryVariable);
        if (string.IsNullOrEmpty(directory))
        {
            return null;
        }

        var parameters = string.Join(",", benchmarkCase.Parameters.Items.Select(p => $"{p.Name}={p.Value}"));
        var path = Path.Combine(directory, FileName(benchmarkCase.Descriptor.Type.Name, benchmarkCase.Descriptor.WorkloadMethod.Name, parameters));
        return File.Exists(path) ? LatencySummary.Parse(File.ReadAllText(path)) : null;
    }

    private static string FileName(string benchmarkType, string method, string parameters)
    {
        var name = $"{benchmarkType}.{method}.{parameters}";
        foreach (var invalid in Path.GetInvalidFileNameChars())
        {
            name = name.Replace(invalid, '_');
        }

        return name + ".txt";
    }
}
