using System.Collections.Concurrent;
using CsCheck;
using EventBus.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace EventBus.Tests.Dispatch;

/// <summary>
/// The dispatch ledger: random subscriptions (capacity, overflow policy, concurrency, failing handlers, throwing key
/// selectors) under random concurrent publishes. Every publish that returned normally is handled or dead-lettered
/// exactly once by every matching subscription; every publish that threw reached none of them.
/// </summary>
public class DispatchLedgerPropertyTests(ITestOutputHelper output)
{
    private static readonly Gen<SubscriptionSpec> SubscriptionGen =
        from capacity in Gen.Int[1, 4]
        from policy in Gen.Enum<OverflowPolicy>()
        from maxConcurrency in Gen.Int[1, 3]
        from keyedBySubject in Gen.Bool
        from failEvery in Gen.Int[0, 5]
        from asynchronous in Gen.Bool
        from retries in Gen.Int[0, 2]
        select new SubscriptionSpec(capacity, policy, maxConcurrency, keyedBySubject, failEvery, asynchronous, retries);

    private static readonly Gen<PublishSpec> PublishGen =
        from subject in Gen.OneOfConst<string?>(null, "a", "b", "c", "d")
        from priority in Gen.Enum<EventPriority>()
        select new PublishSpec(subject, priority);

    private static readonly Gen<Scenario> ScenarioGen =
        from subscriptions in SubscriptionGen.Array[1, 4]
        from publishes in PublishGen.Array[1, 40]
        from publishers in Gen.Int[1, 3]
        select new Scenario(subscriptions, publishes, publishers);

    [Fact]
    public async Task Dispatch_RandomSubscriptionsAndPublishes_EveryAcceptedEventReachesExactlyOneOutcomePerSubscription()
    {
        var totals = new LedgerTotals();
        await ScenarioGen.SampleAsync(async scenario => totals.Add(await RunAsync(scenario)), iter: 60, threads: 1);

        var line = $"ledger: dispatch: {totals.Published} published, {totals.Handled} handled, {totals.DeadLettered} dead-lettered, {totals.Lost} lost, {totals.Duplicated} duplicated";
        output.WriteLine(line);
        Console.WriteLine(line);
        totals.Lost.Should().Be(0);
        totals.Duplicated.Should().Be(0);
        totals.Handled.Should().BeGreaterThan(0, "the scenarios must exercise handling, not only rejections");
    }

    private static async Task<Ledger> RunAsync(Scenario scenario)
    {
        var store = new RecordingDeadLetterStore();
        await using var fx = await BusFixture.StartAsync(services: s => s.AddSingleton<IDeadLetterStore>(store));
        var handled = new ConcurrentDictionary<(string Subscription, string EventId), int>();
        var names = new List<string>();
        for (var i = 0; i < scenario.Subscriptions.Length; i++)
        {
            var spec = scenario.Subscriptions[i];
            var name = $"s{i}";
            names.Add(name);
            fx.Bus.Subscribe("job.run", async (e, _) =>
            {
                if (spec.Asynchronous)
                {
                    await Task.Yield();
                }

                if (spec.FailEvery > 0 && (int)e.Payload! % spec.FailEvery == 0)
                {
                    throw new InvalidOperationException($"{name} refuses event {e.Payload}");
                }

                handled.AddOrUpdate((name, e.Id), 1, (_, n) => n + 1);
            }, new SubscriptionOptions
            {
                Name = name,
                Capacity = spec.Capacity,
                OverflowPolicy = spec.Policy,
                MaxConcurrency = spec.MaxConcurrency,
                OrderingKey = spec.KeyedBySubject ? e => e.Subject!.ToUpperInvariant() : null,
                ConfigureResilience = r =>
                {
                    r.Enabled = spec.Retries > 0;
                    r.Retry.MaxRetryAttempts = spec.Retries;
                    r.Retry.Delay = TimeSpan.Zero;
                    r.Retry.MaxDelay = TimeSpan.Zero;
                    r.CircuitBreaker.Enabled = false;
                    r.AttemptTimeout = null;
                    r.OperationTimeout = null;
                },
            });
        }

        var accepted = new ConcurrentBag<string>();
        var rejected = new ConcurrentBag<string>();
        var publishers = Enumerable.Range(0, scenario.Publishers).Select(p => Task.Run(async () =>
        {
            for (var i = p; i < scenario.Publishes.Length; i += scenario.Publishers)
            {
                var spec = scenario.Publishes[i];
                var @event = new Event("job.run", i) { Subject = spec.Subject, Priority = spec.Priority };
                try
                {
                    await fx.Bus.PublishAsync(@event);
                    accepted.Add(@event.Id);
                }
                catch (SubscriptionOverflowException)
                {
                    rejected.Add(@event.Id);
                }
            }
        }));
        await Task.WhenAll(publishers);
        await fx.Lifetime.StopAsync();

        var deadLettered = store.Entries.Items
            .GroupBy(d => (d.SubscriptionName, d.Event.Id))
            .ToDictionary(g => g.Key, g => g.Count());
        var ledger = new Ledger { Published = accepted.Count + rejected.Count };
        foreach (var name in names)
        {
            foreach (var id in accepted)
            {
                var h = handled.GetValueOrDefault((name, id));
                var d = deadLettered.GetValueOrDefault((name, id));
                ledger.Handled += h;
                ledger.DeadLettered += d;
                ledger.Lost += h + d == 0 ? 1 : 0;
                ledger.Duplicated += h + d > 1 ? 1 : 0;
            }

            foreach (var id in rejected)
            {
                // A publish that threw reached no subscription: any outcome for it is a duplicate of nothing.
                ledger.Duplicated += handled.GetValueOrDefault((name, id)) + deadLettered.GetValueOrDefault((name, id));
            }
        }

        if (ledger.Lost != 0 || ledger.Duplicated != 0)
        {
            throw new InvalidOperationException($"ledger broken: {ledger.Lost} lost, {ledger.Duplicated} duplicated in {scenario}");
        }

        return ledger;
    }

    public sealed record SubscriptionSpec(int Capacity, OverflowPolicy Policy, int MaxConcurrency, bool KeyedBySubject, int FailEvery, bool Asynchronous, int Retries);

    public sealed record PublishSpec(string? Subject, EventPriority Priority);

    public sealed record Scenario(SubscriptionSpec[] Subscriptions, PublishSpec[] Publishes, int Publishers)
    {
        public override string ToString() =>
            $"subscriptions [{string.Join(", ", Subscriptions.Select(s => s.ToString()))}], {Publishes.Length} publishes from {Publishers} publishers";
    }

    private sealed class Ledger
    {
        public int Published { get; set; }

        public int Handled { get; set; }

        public int DeadLettered { get; set; }

        public int Lost { get; set; }

        public int Duplicated { get; set; }
    }

    private sealed class LedgerTotals
    {
        private readonly Lock _lock = new();

        public int Published { get; private set; }

        public int Handled { get; private set; }

        public int DeadLettered { get; private set; }

        public int Lost { get; private set; }

        public int Duplicated { get; private set; }

        public void Add(Ledger ledger)
        {
            lock (_lock)
            {
                Published += ledger.Published;
                Handled += ledger.Handled;
                DeadLettered += ledger.DeadLettered;
                Lost += ledger.Lost;
                Duplicated += ledger.Duplicated;
            }
        }
    }
}
