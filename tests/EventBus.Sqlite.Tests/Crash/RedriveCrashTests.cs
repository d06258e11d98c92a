using System.Globalization;
using EventBus.Sqlite.CrashHost;
using EventBus.Sqlite.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace EventBus.Sqlite.Tests.Crash;

/// <summary>Issue 12 (d): a redrive of 1,000 dead letters from the SQLite store into a handler that writes its effect
/// with <see cref="ISqliteEffects"/>, SIGKILLed mid-way and restarted on the same file: every entry is handled once
/// or still redrivable.</summary>
public sealed class RedriveCrashTests(ITestOutputHelper output)
{
    private const int Rounds = 10;

    [Fact]
    public async Task RedriveOfAThousandDeadLetters_KilledMidWay_EveryEntryHandledOnceOrStillRedrivable()
    {
        var seed = Random.Shared.Next();
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        using var file = new TempDatabase();
        using var budget = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var runs = new Dictionary<string, int>(StringComparer.Ordinal);
        await CrashChild.RunAsync([file.Path, "redrive-seed", "0", "work"], line => line == "SEEDED", graceful: true, budget.Token);
        (await RemainingAsync(file)).Should().HaveCount(Scenarios.DeadLetters);

        for (var round = 0; round < Rounds; round++)
        {
            var killAfter = random.Next(1, 120);
            var lines = 0;
            await CrashChild.RunAsync(
                [file.Path, "redrive", (seed + round).ToString(CultureInfo.InvariantCulture), "work"],
                line => Record(line, runs) switch
                {
                    Line.Done => ++lines >= killAfter,
                    Line.Redriven => true,
                    _ => false,
                },
                graceful: false,
                budget.Token);
            Verify(InboxCrashTests.CountEffects(file, "redrive"), await RemainingAsync(file), $"seed {seed}, round {round}");
            output.WriteLine($"round {round}: killed after {lines} handlings");
        }

        await CrashChild.RunAsync(
            [file.Path, "redrive", seed.ToString(CultureInfo.InvariantCulture), "drain"],
            line => Record(line, runs) == Line.Redriven,
            graceful: true,
            budget.Token);

        var effects = InboxCrashTests.CountEffects(file, "redrive");
        var remaining = await RemainingAsync(file);
        Verify(effects, remaining, $"seed {seed}, after the last redrive");
        var handled = effects.Count(e => e.Value == 1);
        var lost = Enumerable.Range(0, Scenarios.DeadLetters).Select(Key).Count(key => !effects.ContainsKey(key) && !remaining.Contains(key));
        CrashChild.Ledger(output, "redrive 1000 dead letters", Scenarios.DeadLetters, handled, lost, runs.Values.Sum(count => count - 1), effects.Values.Sum(count => count - 1));
        remaining.Should().BeEmpty($"the last redrive ran to the end (seed {seed})");
        handled.Should().Be(Scenarios.DeadLetters, $"seed {seed}");
    }

    /// <summary>Every entry is handled once (its effect is in the file once), or still in the store, or both (handled,
    /// then killed before its deletion: the next redrive drops it as a duplicate).</summary>
    private static void Verify(Dictionary<string, int> effects, HashSet<string> remaining, string because)
    {
        effects.Values.Should().OnlyContain(count => count == 1, $"no entry's effect is written twice ({because})");
        Enumerable.Range(0, Scenarios.DeadLetters).Select(Key)
            .Should().OnlyContain(key => effects.ContainsKey(key) || remaining.Contains(key), $"no entry is lost ({because})");
    }

    private static string Key(int number) => number.ToString(CultureInfo.InvariantCulture);

    private static async Task<HashSet<string>> RemainingAsync(TempDatabase file)
    {
        var services = new ServiceCollection();
        services.AddEventBus().UseSqlite(file.ConnectionString).AddEventType<RedriveItem>();
        await using var provider = services.BuildServiceProvider();
        var remaining = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var entry in provider.GetRequiredService<IDeadLetterStore>().QueryAsync(DeadLetterQuery.All))
        {
            entry.ReadError.Should().BeNull();
            remaining.Add(Key(((RedriveItem)entry.Event.Payload!).Number));
        }

        return remaining;
    }

    private static Line Record(string line, Dictionary<string, int> runs)
    {
        switch (line.Split(' '))
        {
            case ["DONE", "redrive", var key, _]:
                runs[key] = runs.GetValueOrDefault(key) + 1;
                return Line.Done;
            case ["REDRIVEN", ..]:
                return Line.Redriven;
            default:
                return Line.Other;
        }
    }

    private enum Line
    {
        Other,
        Done,
        Redriven,
    }
}
