using System.Collections.Concurrent;
using EventBus.Tests.TestSupport;

namespace EventBus.Tests.Dispatch;

public class ConcurrencyTests
{
    [Fact]
    public async Task MaxConcurrency4_EventsOfOneKeyStayInOrder()
    {
        await using var fx = await BusFixture.StartAsync();
        var seen = new Recorder<(string Key, int Sequence)>();
        fx.Bus.Subscribe("job.run", async e =>
        {
            await Task.Yield();
            seen.Add((e.Subject!, (int)e.Payload!));
        }, new SubscriptionOptions { MaxConcurrency = 4 });

        const int keys = 12;
        const int perKey = 100;
        for (var i = 0; i < perKey; i++)
        {
            for (var k = 0; k < keys; k++)
            {
                await fx.Bus.PublishAsync(new Event("job.run", i) { Subject = $"key-{k}" });
            }
        }

        await seen.WaitForAsync(keys * perKey);
        foreach (var group in seen.Items.GroupBy(s => s.Key))
        {
            group.Select(s => s.Sequence).Should().Equal(Enumerable.Range(0, perKey), $"events of {group.Key} keep their order");
        }
    }

    [Fact]
    public async Task MaxConcurrency4_DifferentKeysRunInParallel()
    {
        await using var fx = await BusFixture.StartAsync();
        var (first, second) = KeysOnDifferentSlots(4);
        var firstStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var secondStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        fx.Bus.Subscribe("job.run", async e =>
        {
            if (e.Subject == first)
            {
                firstStarted.SetResult();
                await secondStarted.Task; // only completes if the other key runs at the same time
            }
            else
            {
                secondStarted.SetResult();
                await firstStarted.Task;
            }
        }, new SubscriptionOptions { MaxConcurrency = 4 });

        await fx.Bus.PublishAsync(new Event("job.run") { Subject = first });
        await fx.Bus.PublishAsync(new Event("job.run") { Subject = second });

        await Task.WhenAll(firstStarted.Task, secondStarted.Task).WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task ConcurrentPublishers_NoEventLostOrDuplicated()
    {
        await using var fx = await BusFixture.StartAsync(options: o => o.Capacity = 64);
        var first = new ConcurrentDictionary<string, int>();
        var second = new ConcurrentDictionary<string, int>();
        var done = new Recorder<int>();
        fx.Bus.Subscribe("job.#", e =>
        {
            first.AddOrUpdate(e.Id, 1, (_, n) => n + 1);
            done.Add(1);
        });
        fx.Bus.Subscribe("job.*", e =>
        {
            second.AddOrUpdate(e.Id, 1, (_, n) => n + 1);
            done.Add(2);
        }, new SubscriptionOptions { MaxConcurrency = 3 });

        const int publishers = 4;
        const int perPublisher = 2_500;
        var published = new ConcurrentBag<string>();
        await Task.WhenAll(Enumerable.Range(0, publishers).Select(p => Task.Run(async () =>
        {
            for (var i = 0; i < perPublisher; i++)
            {
                var @event = new Event("job.run", i) { Subject = $"p{p}-{i % 7}" };
                published.Add(@event.Id);
                await fx.Bus.PublishAsync(@event);
            }
        })));

        await done.WaitForAsync(publishers * perPublisher * 2, TimeSpan.FromSeconds(60));
        var expected = published.ToHashSet();
        expected.Should().HaveCount(publishers * perPublisher);
        expected.SetEquals(first.Keys).Should().BeTrue("the first subscription received every published event");
        expected.SetEquals(second.Keys).Should().BeTrue("the second subscription received every published event");
        first.Values.Should().OnlyContain(n => n == 1);
        second.Values.Should().OnlyContain(n => n == 1);
    }

    [Fact]
    public async Task Unsubscribe_WhileEventsFlow_IsSafeAndStopsDelivery()
    {
        await using var fx = await BusFixture.StartAsync();
        var kept = new Recorder<string>();
        var removed = new ConcurrentDictionary<string, int>();
        fx.Bus.Subscribe("job.run", e => kept.Add(e.Id));
        var subscription = fx.Bus.Subscribe("job.run", e => removed.AddOrUpdate(e.Id, 1, (_, n) => n + 1));

        var publisher = Task.Run(async () =>
        {
            for (var i = 0; i < 5_000; i++)
            {
                await fx.Bus.PublishAsync(new Event("job.run", i));
            }
        });
        await kept.WaitForAsync(100);
        await subscription.DisposeAsync();
        var countAtDispose = removed.Count;
        await publisher;

        await kept.WaitForAsync(5_000);
        removed.Count.Should().Be(countAtDispose, "nothing is delivered after DisposeAsync completes");
        removed.Values.Should().OnlyContain(n => n == 1);
        fx.Bus.Subscriptions.Should().ContainSingle();
    }

    private static (string First, string Second) KeysOnDifferentSlots(int slots)
    {
        static int SlotOf(string key, int slots) => (int)((uint)StringComparer.Ordinal.GetHashCode(key) % (uint)slots);
        var first = "key-0";
        var second = Enumerable.Range(1, 100).Select(i => $"key-{i}").First(k => SlotOf(k, slots) != SlotOf(first, slots));
        return (first, second);
    }
}
