using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EventBus.Sqlite.CrashHost;

/// <summary>The append workload both crash hosts run until they are killed (compiled into the PostgreSQL host too).</summary>
internal static class AppendLoop
{
    /// <summary>Ends the process once its standard input closes: the test keeps it open, so a child the test abandoned
    /// without killing it does not append forever.</summary>
    public static void ExitWhenInputCloses() => _ = Task.Run(() =>
    {
        while (Console.In.ReadLine() is not null)
        {
        }

        Environment.Exit(3);
    });

    /// <summary>Starts the host, prints "READY", then appends from <paramref name="appenders"/> concurrent loops forever:
    /// each a batch of 1 to 8 <see cref="CrashEvent"/>s to one of four streams named <paramref name="streamPrefix"/>0 to
    /// 3, printing "ACK &lt;batch&gt; &lt;stream&gt; &lt;count&gt; &lt;stream version&gt; &lt;position&gt;" only after the
    /// append returned (committed).</summary>
    public static async Task RunAsync(IHost host, string streamPrefix, int seed, int appenders)
    {
        await host.StartAsync();
        Console.Out.WriteLine("READY");
        var streams = host.Services.GetRequiredService<IEventStreams>();
        await Task.WhenAll(Enumerable.Range(0, appenders).Select(a =>
        {
            var random = new Random(HashCode.Combine(seed, a));
            return Task.Run(() => AppendForeverAsync(streams, streamPrefix, random));
        }));
    }

    private static async Task AppendForeverAsync(IEventStreams streams, string streamPrefix, Random random)
    {
        while (true)
        {
            var batch = Guid.NewGuid().ToString("N");
            var count = random.Next(1, 9);
            var stream = streamPrefix + random.Next(4).ToString(CultureInfo.InvariantCulture);
            var events = Enumerable.Range(0, count).Select(i => (object)new CrashEvent(batch, i, count)).ToArray();
            var appended = await streams.AppendAsync(stream, ExpectedVersion.Any, events);
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ACK {batch} {stream} {count} {appended.StreamVersion} {appended.Position}"));
        }
    }
}
