using System.Globalization;
using EventBus.Sqlite.CrashHost;
using EventBus.Sqlite.Tests.TestSupport;

namespace EventBus.Sqlite.Tests.Crash;

/// <summary>Issue 12 (a): appends consumed by two durable subscriptions (bus subscriptions fed by the outbox) whose
/// handlers take a little time; the process is SIGKILLed at random points while they run and restarted on the same
/// file. Every acknowledged append reaches both subscriptions at least once.</summary>
public sealed class DurableSubscriptionCrashTests(ITestOutputHelper output)
{
    private const int Rounds = 10;
    private static readonly string[] SubscriptionNames = ["durable-a", "durable-b"];

    [Fact]
    public async Task AppendsWithTwoDurableSubscriptions_KilledWhileHandlersRun_EveryAcknowledgedEventHandledByBoth()
    {
        var seed = Random.Shared.Next();
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        using var file = new TempDatabase();
        using var budget = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var accepted = new HashSet<string>(StringComparer.Ordinal);
        var handled = new Dictionary<(string Subscription, string Key), int>();
        var duplicateEffects = 0;

        for (var round = 0; round < Rounds; round++)
        {
            var lifetime = new HashSet<(string, string)>();
            var killAfter = random.Next(1, Scenarios.AppendsPerRound + 1);
            var lines = 0;
            await CrashChild.RunAsync(
                [file.Path, "subscriptions", (seed + round).ToString(CultureInfo.InvariantCulture), "work"],
                line => Record(line, accepted, handled, lifetime, ref duplicateEffects) && ++lines >= killAfter,
                graceful: false,
                budget.Token);
            output.WriteLine($"round {round}: killed after {lines} lines; {accepted.Count} accepted, {handled.Count} handlings");
        }

        // A last run, stopped gracefully once everything acknowledged was handled by both subscriptions.
        var drained = new HashSet<(string, string)>();
        await CrashChild.RunAsync(
            [file.Path, "subscriptions", seed.ToString(CultureInfo.InvariantCulture), "drain"],
            line =>
            {
                Record(line, accepted, handled, drained, ref duplicateEffects);
                return accepted.All(key => SubscriptionNames.All(s => handled.ContainsKey((s, key))));
            },
            graceful: true,
            budget.Token);

        var handledByBoth = accepted.Count(key => SubscriptionNames.All(s => handled.ContainsKey((s, key))));
        var redelivered = handled.Values.Sum(count => count - 1);
        CrashChild.Ledger(output, "durable subscriptions", accepted.Count, handledByBoth, accepted.Count - handledByBoth, redelivered, duplicateEffects);
        accepted.Should().HaveCountGreaterThan(Scenarios.AppendsPerRound, $"several rounds appended (seed {seed})");
        handledByBoth.Should().Be(accepted.Count, $"no acknowledged event is lost (seed {seed})");
        duplicateEffects.Should().Be(0, $"one process lifetime handles an event once per subscription (seed {seed})");
    }

    private static bool Record(string line, HashSet<string> accepted, Dictionary<(string, string), int> handled, HashSet<(string, string)> lifetime, ref int duplicateEffects)
    {
        switch (line.Split(' '))
        {
            case ["ACK", var key]:
                accepted.Add(key);
                return true;
            case ["DONE", var subscription, var key]:
                handled[(subscription, key)] = handled.GetValueOrDefault((subscription, key)) + 1;
                if (!lifetime.Add((subscription, key)))
                {
                    duplicateEffects++;
                }

                return true;
            default:
                return false;
        }
    }
}
