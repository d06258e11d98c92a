using System.Globalization;
using EventBus.Sqlite.CrashHost;
using EventBus.Sqlite.Tests.TestSupport;

namespace EventBus.Sqlite.Tests.Crash;

/// <summary>Issue 12 (c): the inbox with a handler that writes its effect to the same SQLite file through
/// <see cref="ISqliteEffects"/>; the process is SIGKILLed at random points and restarted on the same file. Every
/// acknowledged event's effect is in the file exactly once.</summary>
public sealed class InboxCrashTests(ITestOutputHelper output)
{
    private const int Rounds = 10;

    [Fact]
    public async Task InboxWithSqliteEffects_KilledAtRandomPoints_EachEffectExactlyOnce()
    {
        var seed = Random.Shared.Next();
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        using var file = new TempDatabase();
        using var budget = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var accepted = new HashSet<string>(StringComparer.Ordinal);
        var runs = new Dictionary<string, int>(StringComparer.Ordinal);

        for (var round = 0; round < Rounds; round++)
        {
            var killAfter = random.Next(1, Scenarios.AppendsPerRound + 1);
            var lines = 0;
            await CrashChild.RunAsync(
                [file.Path, "inbox", (seed + round).ToString(CultureInfo.InvariantCulture), "work"],
                line => Record(line, accepted, runs) && ++lines >= killAfter,
                graceful: false,
                budget.Token);
            output.WriteLine($"round {round}: killed after {lines} lines; {accepted.Count} accepted");
        }

        await CrashChild.RunAsync(
            [file.Path, "inbox", seed.ToString(CultureInfo.InvariantCulture), "drain"],
            line =>
            {
                // A handler killed after its effect committed printed nothing; its redelivery is dropped as a duplicate
                // and prints nothing either. So the drain waits for the outbox to pass the head instead.
                Record(line, accepted, runs);
                return line.Split(' ') is ["OUTBOX", var checkpoint, var head] && checkpoint == head;
            },
            graceful: true,
            budget.Token);

        var effects = CountEffects(file);
        var once = accepted.Count(key => effects.GetValueOrDefault(key) == 1);
        var duplicateEffects = effects.Values.Sum(count => count - 1);
        var redelivered = runs.Values.Sum(count => count - 1);
        CrashChild.Ledger(output, "inbox effects", accepted.Count, once, accepted.Count(key => !effects.ContainsKey(key)), redelivered, duplicateEffects);
        accepted.Should().HaveCountGreaterThan(Scenarios.AppendsPerRound, $"several rounds appended (seed {seed})");
        accepted.Should().OnlyContain(key => effects.GetValueOrDefault(key) == 1, $"each acknowledged event's effect is written exactly once (seed {seed})");
        duplicateEffects.Should().Be(0, $"seed {seed}");
    }

    internal static Dictionary<string, int> CountEffects(TempDatabase file, string consumer = "inbox")
    {
        using var raw = file.OpenRaw();
        using var command = raw.CreateCommand();
        command.CommandText = $"SELECT event_key, COUNT(*) FROM {Scenarios.EffectsTable} WHERE consumer = $consumer GROUP BY event_key";
        command.Parameters.AddWithValue("$consumer", consumer);
        using var reader = command.ExecuteReader();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        while (reader.Read())
        {
            counts[reader.GetString(0)] = reader.GetInt32(1);
        }

        return counts;
    }

    private static bool Record(string line, HashSet<string> accepted, Dictionary<string, int> runs)
    {
        switch (line.Split(' '))
        {
            case ["ACK", var key]:
                accepted.Add(key);
                return true;
            case ["DONE", "inbox", var key, _]:
                runs[key] = runs.GetValueOrDefault(key) + 1;
                return true;
            default:
                return false;
        }
    }
}
