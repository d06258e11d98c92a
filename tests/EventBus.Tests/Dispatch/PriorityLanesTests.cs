using EventBus.Dispatch;

namespace EventBus.Tests.Dispatch;

public sealed class PriorityLanesTests
{
    private static readonly TimeSpan SafetyNet = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task EnqueueAsync_CapacityOneWaitPolicyWithConcurrentReader_DeliversEveryEventInOrder()
    {
        // The writer waits for room on nearly every event: a lost wake-up between the reader freeing the one slot and
        // the writer starting to wait would hang here (the safety net then fails the test).
        const int events = 20_000;
        var lanes = new PriorityLanes("capacity-one", capacity: 1, OverflowPolicy.Wait);
        var read = new List<string>(events);
        var reader = Task.Run(async () =>
        {
            while (await lanes.WaitToReadAsync())
            {
                while (lanes.TryRead(out var @event))
                {
                    read.Add(@event.Subject!);
                }
            }
        });

        for (var i = 0; i < events; i++)
        {
            (await lanes.EnqueueAsync(new Event("job.run") { Subject = i.ToString(System.Globalization.CultureInfo.InvariantCulture) }, CancellationToken.None))
                .Should().BeNull();
        }

        lanes.Complete();
        await reader.WaitAsync(SafetyNet);
        read.Should().Equal(Enumerable.Range(0, events).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        lanes.Count.Should().Be(0);
    }

    [Fact]
    public async Task WaitForSpaceAsync_FullLanes_WakesTheWriterOnceThreeQuartersOfTheCapacityAreFree()
    {
        // Woken per freed slot, a publisher that outruns its subscriber would wait (and be signalled) once per event.
        var lanes = new PriorityLanes("three-quarters", capacity: 8, OverflowPolicy.Wait);
        for (var i = 0; i < 8; i++)
        {
            (await lanes.EnqueueAsync(new Event("job.run"), CancellationToken.None)).Should().BeNull();
        }

        var waiting = lanes.WaitForSpaceAsync(CancellationToken.None).AsTask();
        for (var i = 0; i < 5; i++)
        {
            lanes.TryRead(out _).Should().BeTrue();
            waiting.IsCompleted.Should().BeFalse($"{i + 1} of 8 slots are free");
        }

        lanes.TryRead(out _).Should().BeTrue();
        await waiting.WaitAsync(SafetyNet);
        lanes.Count.Should().Be(2);
    }

    [Fact]
    public async Task WaitForSpaceAsync_ReaderRunsOutOfEventsBelowTheMark_StillWakesTheWriter()
    {
        // Keyed readers hold read events until their handling starts (freeOnRead: false): the lanes can be empty while
        // every slot is taken. A waiter is then woken by Release, once three quarters of the capacity are free.
        var lanes = new PriorityLanes("keyed", capacity: 4, OverflowPolicy.Wait, freeOnRead: false);
        for (var i = 0; i < 4; i++)
        {
            (await lanes.EnqueueAsync(new Event("job.run"), CancellationToken.None)).Should().BeNull();
        }

        for (var i = 0; i < 4; i++)
        {
            lanes.TryRead(out _).Should().BeTrue();
        }

        var waiting = lanes.WaitForSpaceAsync(CancellationToken.None).AsTask();
        lanes.Release();
        lanes.Release();
        waiting.IsCompleted.Should().BeFalse("2 of 4 slots are still held");
        lanes.Release();
        await waiting.WaitAsync(SafetyNet);
    }

    [Fact]
    public async Task EnqueueAsync_ThreeWritersOutrunningTheReader_DeliverEveryEventOnce()
    {
        const int perWriter = 20_000;
        var lanes = new PriorityLanes("outrun", capacity: 64, OverflowPolicy.Wait);
        var read = new List<string>(3 * perWriter);
        var reader = Task.Run(async () =>
        {
            while (await lanes.WaitToReadAsync())
            {
                while (lanes.TryRead(out var @event))
                {
                    read.Add(@event.Subject!);
                    if (read.Count % 1_000 == 0)
                    {
                        await Task.Yield();
                    }
                }
            }
        });

        var writers = Enumerable.Range(0, 3).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < perWriter; i++)
            {
                (await lanes.EnqueueAsync(new Event("job.run") { Subject = $"{w}:{i}" }, CancellationToken.None)).Should().BeNull();
            }
        })).ToArray();

        await Task.WhenAll(writers).WaitAsync(SafetyNet);
        lanes.Complete();
        await reader.WaitAsync(SafetyNet);
        read.Should().HaveCount(3 * perWriter).And.OnlyHaveUniqueItems();
        lanes.Count.Should().Be(0);
    }

    [Fact]
    public async Task Count_AfterEnqueueAndRead_TracksQueuedEvents()
    {
        var lanes = new PriorityLanes("count", capacity: 10, OverflowPolicy.Fail);
        for (var i = 0; i < 3; i++)
        {
            await lanes.EnqueueAsync(new Event("job.run"), CancellationToken.None);
        }

        lanes.Count.Should().Be(3);
        lanes.TryRead(out _).Should().BeTrue();
        lanes.Count.Should().Be(2);
    }

    [Fact]
    public async Task EnqueueAsync_FullAfterReadsFreedSlots_AcceptsAgainUpToCapacity()
    {
        var lanes = new PriorityLanes("refill", capacity: 2, OverflowPolicy.Fail);
        for (var round = 0; round < 5; round++)
        {
            await lanes.EnqueueAsync(new Event("job.run"), CancellationToken.None);
            await lanes.EnqueueAsync(new Event("job.run"), CancellationToken.None);
            var overflow = async () => await lanes.EnqueueAsync(new Event("job.run"), CancellationToken.None);
            await overflow.Should().ThrowAsync<SubscriptionOverflowException>();
            lanes.TryRead(out _).Should().BeTrue();
            lanes.TryRead(out _).Should().BeTrue();
        }
    }

    [Fact]
    public async Task TryRead_AllLanesBacklogged_ServesSixteenEventsTenHighFiveNormalOneLow()
    {
        var lanes = new PriorityLanes("weights", capacity: 100, OverflowPolicy.Fail);
        foreach (var priority in new[] { EventPriority.Low, EventPriority.Normal, EventPriority.High })
        {
            for (var i = 0; i < 20; i++)
            {
                await lanes.EnqueueAsync(new Event("job.run") { Priority = priority }, CancellationToken.None);
            }
        }

        var served = new List<EventPriority>();
        for (var i = 0; i < 32; i++)
        {
            lanes.TryRead(out var @event).Should().BeTrue();
            served.Add(@event!.Priority);
        }

        served.Take(16).GroupBy(p => p).ToDictionary(g => g.Key, g => g.Count()).Should().BeEquivalentTo(
            new Dictionary<EventPriority, int> { [EventPriority.High] = 10, [EventPriority.Normal] = 5, [EventPriority.Low] = 1 });
        served.Skip(16).Count(p => p == EventPriority.High).Should().Be(10);
    }

    [Fact]
    public async Task TryRead_OnlyNormalQueued_ReadsEveryEventAcrossRounds()
    {
        var lanes = new PriorityLanes("normal-only", capacity: 100, OverflowPolicy.Fail);
        for (var i = 0; i < 23; i++)
        {
            await lanes.EnqueueAsync(new Event("job.run") { Subject = $"{i}" }, CancellationToken.None);
        }

        var subjects = new List<string>();
        while (lanes.TryRead(out var @event))
        {
            subjects.Add(@event.Subject!);
        }

        subjects.Should().Equal(Enumerable.Range(0, 23).Select(i => $"{i}"));
    }

    [Theory]
    [InlineData(OverflowPolicy.Wait)]
    [InlineData(OverflowPolicy.DropOldest)]
    public async Task Complete_WhileWritersRace_AccountsForEveryAcceptedEventExactlyOnce(OverflowPolicy policy)
    {
        // Writers on several threads keep enqueueing while the lanes complete under them. Every event whose enqueue
        // returned must come out exactly once — read, or handed back as dropped by the policy — and an event that was
        // refused (ChannelClosedException) must never be read.
        const int writers = 4;
        for (var round = 0; round < 20; round++)
        {
            var lanes = new PriorityLanes("race", capacity: 64, policy);
            var read = new List<string>();
            var reader = Task.Run(async () =>
            {
                while (await lanes.WaitToReadAsync())
                {
                    while (lanes.TryRead(out var @event))
                    {
                        read.Add(@event.Subject!);
                    }
                }
            });

            var acceptedSoFar = 0;
            var underWay = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var writerTasks = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
            {
                var accepted = new List<string>();
                var dropped = new List<string>();
                for (var i = 0; ; i++)
                {
                    var priority = (i % 3) switch { 0 => EventPriority.High, 1 => EventPriority.Normal, _ => EventPriority.Low };
                    var @event = new Event("job.run") { Subject = $"{w}-{i}", Priority = priority };
                    try
                    {
                        if (await lanes.EnqueueAsync(@event, CancellationToken.None) is { } droppedEvent)
                        {
                            dropped.Add(droppedEvent.Subject!);
                        }
                    }
                    catch (System.Threading.Channels.ChannelClosedException)
                    {
                        return (Accepted: accepted, Dropped: dropped, Refused: @event.Subject!);
                    }

                    accepted.Add(@event.Subject!);
                    if (Interlocked.Increment(ref acceptedSoFar) == 2_000)
                    {
                        underWay.TrySetResult();
                    }

                    if (i % 64 == 63)
                    {
                        // A drop-oldest writer never waits: let the reader and the test share the two-core pool.
                        await Task.Yield();
                    }
                }
            })).ToArray();

            await underWay.Task.WaitAsync(SafetyNet);
            lanes.Complete();
            var results = await Task.WhenAll(writerTasks).WaitAsync(SafetyNet);
            await reader.WaitAsync(SafetyNet);

            var accepted = results.SelectMany(r => r.Accepted).ToList();
            var refused = results.Select(r => r.Refused).ToList();
            read.Should().NotIntersectWith(refused, "round {0}", round);
            read.Concat(results.SelectMany(r => r.Dropped)).Order(StringComparer.Ordinal)
                .Should().Equal(accepted.Order(StringComparer.Ordinal), "round {0}", round);
            lanes.Count.Should().Be(0);
        }
    }
}
