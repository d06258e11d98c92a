using EventBus.Diagnostics;
using EventBus.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace EventBus.Tests.DeadLetters;

public sealed class DeadLetterRedriverTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A subscription that fails every event while <see cref="Failing"/> holds, and records what it handled.</summary>
    private sealed class Toggle
    {
        public volatile bool Failing = true;
        public HashSet<string> AlwaysFail { get; } = [];
        public Recorder<string> Handled { get; } = new();
        public Recorder<string> Attempts { get; } = new();

        public IEventSubscription Subscribe(IEventBus bus, string name) =>
            bus.Subscribe<OrderPlaced>(e =>
            {
                Attempts.Add(e.Payload.OrderId);
                if (Failing || AlwaysFail.Contains(e.Payload.OrderId))
                {
                    throw new InvalidOperationException($"cannot handle {e.Payload.OrderId}");
                }

                Handled.Add(e.Payload.OrderId);
            }, new SubscriptionOptions { Name = name });
    }

    private static async Task<(BusFixture Fixture, TestClock Clock, LogRecorder Logs)> StartAsync()
    {
        var clock = new TestClock();
        var logs = new LogRecorder();
        return (await FailureBus.StartAsync(clock, logs), clock, logs);
    }

    private static async Task PublishAsync(BusFixture fixture, LogRecorder logs, int deadLettersBefore, params string[] ids)
    {
        foreach (var id in ids)
        {
            await fixture.Bus.PublishAsync(new OrderPlaced(id), new PublishOptions { Priority = id.EndsWith('!') ? EventPriority.High : EventPriority.Normal }, Ct);
        }

        await logs.WaitForAsync("EventDeadLettered", deadLettersBefore + ids.Length);
    }

    private static string[] Ids(IEnumerable<DeadLetter> entries) => [.. entries.Select(e => Event<OrderPlaced>.From(e.Event).Payload.OrderId)];

    [Fact]
    public async Task RedriveAsync_RedeliversToOriginalSubscriptionOnly_InOriginalOrder()
    {
        var (fixture, _, logs) = await StartAsync();
        await using var _ = fixture;
        var billing = new Toggle();
        var other = new Recorder<string>();
        billing.Subscribe(fixture.Bus, "billing");
        fixture.Bus.Subscribe<OrderPlaced>(e => other.Add(e.Payload.OrderId), new SubscriptionOptions { Name = "audit" });
        await PublishAsync(fixture, logs, 0, "1", "2", "3!", "4", "5");
        await other.WaitForAsync(5);
        billing.Failing = false;

        var redriver = fixture.Provider.GetRequiredService<IDeadLetterRedriver>();
        var result = await redriver.RedriveAsync(new DeadLetterQuery { SubscriptionName = "billing" }, cancellationToken: Ct);

        // Events come back in the order they originally failed; priority ("3!" is High) does not reorder a redrive.
        var originalOrder = billing.Attempts.Items.Take(5).ToArray();
        billing.Handled.Items.Should().Equal(originalOrder);
        billing.Handled.Items.Should().BeEquivalentTo("1", "2", "3!", "4", "5");
        other.Count.Should().Be(5);
        result.DryRun.Should().BeFalse();
        Ids(result.Matched).Should().Equal(originalOrder);
        result.Succeeded.Should().Be(5);
        result.Failed.Should().Be(0);
        result.Skipped.Should().Be(0);
        (await fixture.DeadLettersAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task RedriveAsync_FailsAgain_ReturnsToDeadLettersWithAttemptHistory()
    {
        var (fixture, clock, logs) = await StartAsync();
        await using var _ = fixture;
        var billing = new Toggle();
        billing.AlwaysFail.Add("2");
        billing.Subscribe(fixture.Bus, "billing");
        await PublishAsync(fixture, logs, 0, "1", "2", "3");
        var original = (await fixture.DeadLettersAsync()).Single(d => Ids([d])[0] == "2");
        billing.Failing = false;
        clock.Advance(TimeSpan.FromMinutes(5));

        var result = await fixture.Provider.GetRequiredService<IDeadLetterRedriver>().RedriveAsync(DeadLetterQuery.All, cancellationToken: Ct);

        result.Succeeded.Should().Be(2);
        result.Failed.Should().Be(1);
        billing.Handled.Items.Should().Equal("1", "3");
        var again = (await fixture.DeadLettersAsync()).Should().ContainSingle().Subject;
        again.Id.Should().NotBe(original.Id);
        again.Event.Id.Should().Be(original.Event.Id);
        again.SubscriptionName.Should().Be("billing");
        again.RedriveCount.Should().Be(1);
        again.AttemptCount.Should().Be(2);
        again.FirstFailureTime.Should().Be(original.FirstFailureTime);
        again.LastFailureTime.Should().Be(original.LastFailureTime + TimeSpan.FromMinutes(5));
        again.PreviousFailures.Should().Equal(new DeadLetterFailure(
            original.LastFailureTime, DeadLetterReason.HandlerFailed, typeof(InvalidOperationException).FullName, "cannot handle 2", 1));

        // A second redrive that fails again keeps the whole history.
        await fixture.Provider.GetRequiredService<IDeadLetterRedriver>().RedriveAsync(DeadLetterQuery.All, cancellationToken: Ct);
        var third = (await fixture.DeadLettersAsync()).Single();
        third.RedriveCount.Should().Be(2);
        third.AttemptCount.Should().Be(3);
        third.PreviousFailures.Should().HaveCount(2);
    }

    [Fact]
    public async Task RedriveAsync_DryRun_ReportsWithoutDeliveringOrDeleting()
    {
        var (fixture, _, logs) = await StartAsync();
        await using var _ = fixture;
        var billing = new Toggle();
        billing.Subscribe(fixture.Bus, "billing");
        await PublishAsync(fixture, logs, 0, "1", "2");
        billing.Failing = false;

        var result = await fixture.Provider.GetRequiredService<IDeadLetterRedriver>()
            .RedriveAsync(DeadLetterQuery.All, new DeadLetterRedriveOptions { DryRun = true }, Ct);

        result.DryRun.Should().BeTrue();
        Ids(result.Matched).Should().Equal("1", "2");
        result.Succeeded.Should().Be(0);
        billing.Attempts.Count.Should().Be(2);
        (await fixture.DeadLetters.CountAsync(DeadLetterQuery.All, Ct)).Should().Be(2);
    }

    [Fact]
    public async Task RedriveAsync_RateLimited_WaitsBetweenEventsOnTheBusClock()
    {
        var (fixture, clock, logs) = await StartAsync();
        await using var _ = fixture;
        var billing = new Toggle();
        billing.Subscribe(fixture.Bus, "billing");
        await PublishAsync(fixture, logs, 0, "1", "2", "3");
        billing.Failing = false;

        var redrive = fixture.Provider.GetRequiredService<IDeadLetterRedriver>()
            .RedriveAsync(DeadLetterQuery.All, new DeadLetterRedriveOptions { MaxEventsPerSecond = 0.5 }, Ct).AsTask();

        await billing.Handled.WaitForAsync(1);
        await clock.WaitForTimerAsync();
        billing.Handled.Count.Should().Be(1);
        clock.Advance(TimeSpan.FromSeconds(2));
        await billing.Handled.WaitForAsync(2);
        await clock.WaitForTimerAsync();
        billing.Handled.Count.Should().Be(2);
        clock.Advance(TimeSpan.FromSeconds(2));

        var result = await redrive;
        result.Succeeded.Should().Be(3);
        billing.Handled.Items.Should().Equal("1", "2", "3");
    }

    [Fact]
    public async Task RedriveAsync_SubscriptionGone_SkipsAndKeepsEntry()
    {
        var (fixture, _, logs) = await StartAsync();
        await using var _ = fixture;
        var billing = new Toggle();
        var subscription = billing.Subscribe(fixture.Bus, "billing");
        await PublishAsync(fixture, logs, 0, "1");
        await subscription.DisposeAsync();

        var result = await fixture.Provider.GetRequiredService<IDeadLetterRedriver>().RedriveAsync(DeadLetterQuery.All, cancellationToken: Ct);

        result.Skipped.Should().Be(1);
        logs.Named("RedriveSubscriptionMissing").Should().ContainSingle();
        (await fixture.DeadLettersAsync()).Should().ContainSingle();
    }

    [Fact]
    public async Task RedriveAsync_UnreadableEntry_LeavesItInTheStoreAndRedrivesTheOthers()
    {
        var (fixture, clock, logs) = await StartAsync();
        await using var _ = fixture;
        var billing = new Toggle();
        billing.Subscribe(fixture.Bus, "billing");
        await PublishAsync(fixture, logs, 0, "1");
        var unreadable = new DeadLetter
        {
            Id = "damaged",
            Event = new Event(DeadLetter.UnreadableEventType) { Id = "evt-damaged" },
            SubscriptionName = "billing",
            Reason = DeadLetterReason.HandlerFailed,
            FirstFailureTime = clock.GetUtcNow().AddMinutes(1),
            ReadError = "Dead letter 'damaged' (subscription 'billing', event type 'Order') cannot be read: invalid type.",
            RawEntry = "{\"event\":{\"type\":\"Order\"}}",
        };
        await fixture.DeadLetters.AddAsync(unreadable, Ct);
        billing.Failing = false;

        var result = await fixture.Provider.GetRequiredService<IDeadLetterRedriver>().RedriveAsync(DeadLetterQuery.All, cancellationToken: Ct);

        result.Matched.Select(e => e.Id).Should().Contain("damaged");
        result.Succeeded.Should().Be(1);
        result.Unreadable.Should().Be(1);
        result.Failed.Should().Be(0);
        billing.Handled.Items.Should().Equal("1");
        logs.Named("RedriveEntryUnreadable").Should().ContainSingle().Which.Message.Should().Contain("damaged").And.Contain("cannot be read");
        (await fixture.DeadLettersAsync()).Should().ContainSingle().Which.Should().BeSameAs(unreadable);
    }

    [Fact]
    public async Task RedriveAsync_ExpiredEvent_IsNotExpiredAgain()
    {
        var clock = new TestClock();
        var logs = new LogRecorder();
        await using var fixture = await FailureBus.StartAsync(clock, logs, o => o.TimeToLive = TimeSpan.FromSeconds(10));
        var handled = new Recorder<string>();
        fixture.Bus.Subscribe<OrderPlaced>(e => handled.Add(e.Payload.OrderId), new SubscriptionOptions { Name = "billing" });
        await fixture.Bus.PublishAsync(new Event<OrderPlaced>("order.placed", new OrderPlaced("old")) { Time = clock.GetUtcNow() - TimeSpan.FromMinutes(1) }, Ct);
        await logs.WaitForAsync("EventDeadLettered");

        var result = await fixture.Provider.GetRequiredService<IDeadLetterRedriver>()
            .RedriveAsync(new DeadLetterQuery { Reason = DeadLetterReason.Expired }, cancellationToken: Ct);

        result.Succeeded.Should().Be(1);
        handled.Items.Should().Equal("old");
    }

    [Fact]
    public async Task RedriveAsync_RecordsRedriveMetric()
    {
        var (fixture, _, logs) = await StartAsync();
        await using var _ = fixture;
        using var metrics = new MetricRecorder(fixture.Provider);
        var billing = new Toggle();
        billing.AlwaysFail.Add("2");
        billing.Subscribe(fixture.Bus, "billing");
        await PublishAsync(fixture, logs, 0, "1", "2");
        billing.Failing = false;

        await fixture.Provider.GetRequiredService<IDeadLetterRedriver>().RedriveAsync(DeadLetterQuery.All, cancellationToken: Ct);

        metrics.Sum(EventBusDiagnostics.DeadLettersRedriven, "eventbus.outcome", "success").Should().Be(1);
        metrics.Sum(EventBusDiagnostics.DeadLettersRedriven, "eventbus.outcome", "failure").Should().Be(1);
    }

    [Fact]
    public async Task RedriveAsync_InvalidRate_Throws()
    {
        var (fixture, _, _) = await StartAsync();
        await using var _ = fixture;

        var act = async () => await fixture.Provider.GetRequiredService<IDeadLetterRedriver>()
            .RedriveAsync(DeadLetterQuery.All, new DeadLetterRedriveOptions { MaxEventsPerSecond = 0 }, Ct);

        await act.Should().ThrowAsync<ArgumentOutOfRangeException>().WithMessage("*MaxEventsPerSecond*");
    }
}
