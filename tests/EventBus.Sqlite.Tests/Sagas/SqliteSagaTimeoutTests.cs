using EventBus.Contracts.TestSupport;
using EventBus.Sqlite.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace EventBus.Sqlite.Tests.Sagas;

/// <summary>Saga timeouts are stored work: of several buses on one SQLite file, exactly one fires each timeout.</summary>
public sealed class SqliteSagaTimeoutTests : IDisposable
{
    private const int StoredBeforeStart = 10;
    private const int StartedPerBus = 10;

    private readonly TempDatabase _file = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _file.Dispose();

    [Fact]
    public async Task TwoBusesOnOneFile_EachTimeoutFiresExactlyOnce()
    {
        // Timeouts pending in the file before the buses start: both buses find all of them at start.
        await using (var earlier = await StartBusAsync())
        {
            await StartRemindersAsync([.. Enumerable.Range(0, StoredBeforeStart).Select(i => (earlier, "stored-" + i))]);
            await Lifetime(earlier).StopAsync(Ct);
        }

        await using var a = await StartBusAsync();
        await using var b = await StartBusAsync();
        // One record for both buses: what either bus published.
        var due = Watch<ReminderDue>(a, b);
        var sent = Watch<ReminderSent>(a, b);

        // The clock moves only once every start was handled: a handler still saving when it moves would see its own
        // time limit pass. (Counting ReminderArmed is not enough: a bus's recovery publishes again what the other bus
        // left in an instance's outbox, so one bus can see ten of them before its own ten are saved.)
        await StartRemindersAsync([.. Enumerable.Range(0, StartedPerBus).SelectMany(i => new[] { (a, "a-" + i), (b, "b-" + i) })]);
        const int total = StoredBeforeStart + (2 * StartedPerBus);

        _clock.Advance(ReminderSaga.Delay);
        await sent.WaitForAsync(total);
        await Lifetime(a).StopAsync(Ct);
        await Lifetime(b).StopAsync(Ct);

        var fired = due.Items;
        fired.Should().HaveCount(total, "each timeout is published by exactly one of the two buses");
        fired.Select(e => e.Payload.ReminderId).Should().OnlyHaveUniqueItems();
        var store = a.GetRequiredService<ISagaStore>();
        foreach (var reminder in fired.Select(e => e.Payload.ReminderId))
        {
            var instance = await store.FindAsync<ReminderState>(nameof(ReminderSaga), reminder, Ct);
            instance!.Status.Should().Be(SagaStatus.Completed);
            instance.State.Fired.Should().Be(1);
            instance.Timeouts.Should().BeEmpty();
        }

        (await store.ClaimDueTimeoutsAsync(nameof(ReminderSaga), _clock.GetUtcNow().AddDays(1), "later", TimeSpan.FromMinutes(1), 100, Ct))
            .Should().BeEmpty("nothing is left to fire again");
    }

    [Fact]
    public async Task ClaimLapsed_WhenTheClaimingProcessDied_AnotherBusFiresIt()
    {
        await using (var earlier = await StartBusAsync())
        {
            await StartRemindersAsync([(earlier, "r-1")]);
            await Lifetime(earlier).StopAsync(Ct);
        }

        // A process that claimed the timeout and died before publishing it.
        _clock.Advance(ReminderSaga.Delay);
        var store = new ServiceCollection().AddEventBus().UseSqlite(_file.ConnectionString).AddSaga<ReminderSaga, ReminderState>().Services.BuildServiceProvider();
        await using (store)
        {
            (await store.GetRequiredService<ISagaStore>().ClaimDueTimeoutsAsync(nameof(ReminderSaga), _clock.GetUtcNow(), "dead", TimeSpan.FromMinutes(1), 10, Ct))
                .Should().ContainSingle();
        }

        await using var survivor = await StartBusAsync();
        var sent = Watch<ReminderSent>(survivor);
        _clock.Advance(TimeSpan.FromMinutes(1));
        await sent.WaitForAsync(1);

        sent.Items.Should().ContainSingle().Which.Payload.ReminderId.Should().Be("r-1");
    }

    private static IEventBus Bus(IServiceProvider provider) => provider.GetRequiredService<IEventBus>();

    private static IEventBusLifetime Lifetime(IServiceProvider provider) => provider.GetRequiredService<IEventBusLifetime>();

    private static Recorder<Event<T>> Watch<T>(params IServiceProvider[] providers)
        where T : notnull
    {
        var recorder = new Recorder<Event<T>>();
        foreach (var provider in providers)
        {
            Bus(provider).Subscribe<T>(e => recorder.Add(e));
        }

        return recorder;
    }

    /// <summary>Publishes a <see cref="ReminderStarted"/> on each bus given and returns once every subscription of each
    /// has finished with it: the instance is saved, its timeout armed, and its <see cref="ReminderArmed"/> published.</summary>
    private static async Task StartRemindersAsync(IReadOnlyList<(IServiceProvider Bus, string ReminderId)> reminders)
    {
        var receipts = new List<DeliveryReceipt>();
        foreach (var (provider, reminderId) in reminders)
        {
            receipts.Add(await provider.PublishAcknowledgedAsync(new ReminderStarted(reminderId), cancellationToken: Ct));
        }

        foreach (var receipt in receipts)
        {
            var outcomes = await receipt.Outcomes.WaitAsync(TimeSpan.FromSeconds(30), Ct);
            outcomes.Should().NotBeEmpty().And.OnlyContain(o => o.Status == DeliveryStatus.Handled, "every start is handled before the clock moves");
        }
    }

    private async Task<ServiceProvider> StartBusAsync()
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_clock);
        services.AddEventBus().UseSqlite(_file.ConnectionString).AddSaga<ReminderSaga, ReminderState>();
        var provider = services.BuildServiceProvider();
        await Lifetime(provider).StartAsync(Ct);
        return provider;
    }
}
