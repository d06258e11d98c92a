using System.Collections.Concurrent;
using EventBus.Sagas;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EventBus.Tests.Sagas;

/// <summary>The scheduler claims due timeouts from the store, fires each through the acknowledging publisher, and
/// settles the claim on the outcome: completed when every subscription finished, given back when the publish failed or
/// the bus stopped first.</summary>
public sealed class SagaTimeoutSchedulerTests
{
    private const string Saga = "ReminderSaga";
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Fire_PublishFails_GivesTheClaimBackAndFiresAgainWithTheNextPoll()
    {
        var (store, clock, publisher) = await SetUpAsync(failures: 1);
        await using var scheduler = Start(store, clock, publisher);

        clock.Advance(TimeSpan.FromMinutes(1));
        await publisher.WaitForAttemptsAsync(1);
        await FlakyPublisher.WaitForReleaseAsync(store);
        clock.Advance(Poll);
        await publisher.WaitForAttemptsAsync(2);

        // Not scheduler.Settled: the second fire is registered for settling only after its publish returned, which
        // may be after the attempt counted above; the completed claim is what this test waits for.
        await store.WaitForAsync("complete", 1);

        publisher.Published.Should().ContainSingle().Which.Id.Should().Be("event-t1");
        (await store.ClaimDueTimeoutsAsync(Saga, clock.GetUtcNow().AddDays(1), "other", TimeSpan.FromMinutes(1), 10))
            .Should().BeEmpty("the fired timeout was completed");
    }

    [Fact]
    public async Task Fire_BusStoppedBeforeTheOutcome_GivesTheClaimBack()
    {
        var (store, clock, publisher) = await SetUpAsync(failures: 0, status: DeliveryStatus.Interrupted);
        await using var scheduler = Start(store, clock, publisher);

        clock.Advance(TimeSpan.FromMinutes(1));
        await publisher.WaitForAttemptsAsync(1);
        await FlakyPublisher.WaitForReleaseAsync(store);

        (await store.ClaimDueTimeoutsAsync(Saga, clock.GetUtcNow(), "other", TimeSpan.FromMinutes(1), 10))
            .Should().ContainSingle("an interrupted delivery is fired again");
    }

    [Fact]
    public async Task Fire_ClaimedByAnotherProcess_IsNotPublishedHere()
    {
        var (store, clock, publisher) = await SetUpAsync(failures: 0);
        await using var scheduler = Start(store, clock, publisher);
        scheduler.Arm((await store.FindAsync<object>(Saga, "r-1"))!.Timeouts[0]);
        clock.Advance(TimeSpan.FromMinutes(1) - TimeSpan.FromTicks(1));
        (await store.ClaimDueTimeoutsAsync(Saga, clock.GetUtcNow() + TimeSpan.FromTicks(1), "other", TimeSpan.FromMinutes(10), 10)).Should().ContainSingle();

        clock.Advance(TimeSpan.FromTicks(1));
        await FlakyPublisher.WaitForClaimRoundsWhenDueAsync(store, 1);

        publisher.Attempts.Should().Be(0);
    }

    private static async Task<(CountingStore Store, FakeTimeProvider Clock, FlakyPublisher Publisher)> SetUpAsync(int failures, DeliveryStatus status = DeliveryStatus.Handled)
    {
        var store = new CountingStore();
        await store.SaveAsync(
            new SagaInstance<object>
            {
                SagaName = Saga,
                CorrelationKey = "r-1",
                Status = SagaStatus.Active,
                State = new object(),
                Timeouts =
                [
                    new SagaTimeout
                    {
                        Id = "t1",
                        Name = "remind",
                        DueTime = T0.AddMinutes(1),
                        Event = new Event<string>("reminder.due", "r-1") { Id = "event-t1" },
                    },
                ],
            },
            0);
        return (store, new FakeTimeProvider(T0), new FlakyPublisher(failures, status));
    }

    private static SagaTimeoutScheduler Start(ISagaStore store, TimeProvider clock, IAcknowledgingPublisher publisher)
    {
        var scheduler = new SagaTimeoutScheduler(Saga, store, publisher, clock, new SagaOptions { TimeoutPollInterval = Poll }, NullLogger.Instance);
        scheduler.Start();
        return scheduler;
    }

    /// <summary>The in-memory store, counting claim rounds, completions and releases so a test awaits them instead of sleeping.</summary>
    private sealed class CountingStore : ISagaStore
    {
        private readonly InMemorySagaStore _inner = new();
        private readonly Recorder<string> _calls = new();

        public Task WaitForAsync(string call, int count) => _calls.WaitForAsync(call, count);

        public ValueTask<SagaInstance<TState>?> FindAsync<TState>(string sagaName, string correlationKey, CancellationToken cancellationToken = default)
            where TState : class => _inner.FindAsync<TState>(sagaName, correlationKey, cancellationToken);

        public ValueTask<long> SaveAsync<TState>(SagaInstance<TState> instance, long expectedVersion, CancellationToken cancellationToken = default)
            where TState : class => _inner.SaveAsync(instance, expectedVersion, cancellationToken);

        public IAsyncEnumerable<SagaInstance> QueryAsync(SagaQuery query, CancellationToken cancellationToken = default) => _inner.QueryAsync(query, cancellationToken);

        public async ValueTask<IReadOnlyList<SagaTimeoutClaim>> ClaimDueTimeoutsAsync(
            string sagaName, DateTimeOffset now, string claimant, TimeSpan claimDuration, int maxCount, CancellationToken cancellationToken = default)
        {
            var claimed = await _inner.ClaimDueTimeoutsAsync(sagaName, now, claimant, claimDuration, maxCount, cancellationToken);
            _calls.Add(now >= T0.AddMinutes(1) ? "claim-when-due" : "claim");
            return claimed;
        }

        public async ValueTask<bool> CompleteTimeoutAsync(SagaTimeoutClaim claim, CancellationToken cancellationToken = default)
        {
            var completed = await _inner.CompleteTimeoutAsync(claim, cancellationToken);
            _calls.Add("complete");
            return completed;
        }

        public async ValueTask<bool> ReleaseTimeoutAsync(SagaTimeoutClaim claim, CancellationToken cancellationToken = default)
        {
            var released = await _inner.ReleaseTimeoutAsync(claim, cancellationToken);
            _calls.Add("release");
            return released;
        }
    }

    private sealed class Recorder<T>
        where T : notnull
    {
        private readonly ConcurrentQueue<T> _items = new();
        private readonly Lock _lock = new();
        private readonly List<(T Item, int Count, TaskCompletionSource Done)> _waiters = [];

        public IReadOnlyList<T> Items => [.. _items];

        public void Add(T item)
        {
            _items.Enqueue(item);
            lock (_lock)
            {
                foreach (var waiter in _waiters.Where(w => _items.Count(i => i.Equals(w.Item)) >= w.Count).ToList())
                {
                    waiter.Done.TrySetResult();
                    _waiters.Remove(waiter);
                }
            }
        }

        public Task WaitForAsync(T item, int count)
        {
            lock (_lock)
            {
                if (_items.Count(i => i.Equals(item)) >= count)
                {
                    return Task.CompletedTask;
                }

                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((item, count, done));
                return done.Task.WaitAsync(TimeSpan.FromSeconds(30));
            }
        }
    }

    /// <summary>Fails the first publishes, then accepts and reports the given outcome.</summary>
    private sealed class FlakyPublisher(int failures, DeliveryStatus status) : IAcknowledgingPublisher
    {
        private readonly Recorder<string> _attempts = new();
        private int _failures = failures;

        public ConcurrentQueue<Event> Published { get; } = new();

        public int Attempts => _attempts.Items.Count;

        public ValueTask<DeliveryReceipt> PublishAsync(Event @event, CancellationToken cancellationToken = default)
        {
            _attempts.Add("publish");
            if (Interlocked.Decrement(ref _failures) >= 0)
            {
                throw new InvalidOperationException("The subscription's queue is full.");
            }

            Published.Enqueue(@event);
            IReadOnlyList<DeliveryAcknowledgement> outcomes = [new DeliveryAcknowledgement("saga", status)];
            return ValueTask.FromResult(new DeliveryReceipt(@event.Id, Task.FromResult(outcomes)));
        }

        public Task WaitForAttemptsAsync(int count) => _attempts.WaitForAsync("publish", count);

        public static Task WaitForReleaseAsync(CountingStore store) => store.WaitForAsync("release", 1);

        public static Task WaitForClaimRoundsWhenDueAsync(CountingStore store, int count) => store.WaitForAsync("claim-when-due", count);
    }
}
