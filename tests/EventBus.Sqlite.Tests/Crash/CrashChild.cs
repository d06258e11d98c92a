using System.Diagnostics;
using System.Text;

namespace EventBus.Sqlite.Tests.Crash;

/// <summary>Runs the crash host as a child process on a database file and ends it when the test says: with SIGKILL
/// (nothing of its shutdown runs) or gracefully (a STOP line on its stdin).</summary>
internal static class CrashChild
{
    /// <summary>Starts the host with <paramref name="arguments"/> and feeds every line it prints to
    /// <paramref name="onLine"/>, which returns true when the child should end. Lines already in the pipe when it ends
    /// are fed too (their return value is ignored).</summary>
    public static async Task RunAsync(IReadOnlyList<string> arguments, Func<string, bool> onLine, bool graceful, CancellationToken cancellationToken)
    {
        var errors = new StringBuilder();
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(HostPath());
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var child = new Process { StartInfo = start };
        child.ErrorDataReceived += (_, e) =>
        {
            lock (errors)
            {
                errors.AppendLine(e.Data);
            }
        };
        child.Start();
        child.BeginErrorReadLine();
        try
        {
            while (true)
            {
                var line = await child.StandardOutput.ReadLineAsync(cancellationToken);
                if (line is null)
                {
                    await child.WaitForExitAsync(cancellationToken);
                    lock (errors)
                    {
                        throw new InvalidOperationException($"The crash host ({string.Join(' ', arguments)}) exited with code {child.ExitCode} before it was ended: {errors}");
                    }
                }

                if (onLine(line))
                {
                    break;
                }
            }

            if (graceful)
            {
                await child.StandardInput.WriteLineAsync("STOP".AsMemory(), cancellationToken);
                await child.StandardInput.FlushAsync(cancellationToken);
            }
            else
            {
                // SIGKILL: no shutdown code runs, whatever the handlers, the outbox or the redrive were doing.
                child.Kill(entireProcessTree: true);
            }

            // Lines written before the end are still in the pipe.
            while (await child.StandardOutput.ReadLineAsync(cancellationToken) is { } rest)
            {
                onLine(rest);
            }

            await child.WaitForExitAsync(cancellationToken);
        }
        finally
        {
            if (!child.HasExited)
            {
                child.Kill(entireProcessTree: true);
            }
        }
    }

    /// <summary>Writes the ledger line of a scenario to the test output and to the console (so CI logs show it).</summary>
    public static string Ledger(ITestOutputHelper output, string scenario, int accepted, int handled, int lost, int redelivered, int duplicateEffects)
    {
        var line = $"ledger: {scenario}: {accepted} accepted, {handled} handled, {lost} lost, {redelivered} redelivered, {duplicateEffects} duplicate effects";
        output.WriteLine(line);
        Console.WriteLine(line);
        return line;
    }

    private static string DotnetHost() => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    private static string HostPath()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "EventBus.Sqlite.CrashHost.dll");
        File.Exists(path).Should().BeTrue("the crash host is built next to the tests (project reference)");
        return path;
    }
}
