using EventBus.Sqlite.Idempotency;
using EventBus.Sqlite.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace EventBus.Sqlite.Tests.Idempotency;

public sealed class SqliteInboxDurabilityTests : IDisposable
{
    private static readonly IdempotencyWindow Window = new(100, TimeSpan.FromHours(1));

    private readonly TempDatabase _file = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _file.Dispose();

    [Fact]
    public async Task TryAddAsync_AfterReopen_StillKnowsHandledIds()
    {
        var clock = new FakeTimeProvider();
        var first = _file.Open(timeProvider: clock);
        (await new SqliteInbox(first).TryAddAsync("billing", "e1", Window, Ct)).Should().BeTrue();
        first.Dispose();

        var inbox = new SqliteInbox(_file.Open(timeProvider: clock));

        (await inbox.TryAddAsync("billing", "e1", Window, Ct)).Should().BeFalse();
        clock.Advance(TimeSpan.FromHours(1));
        (await inbox.TryAddAsync("billing", "e1", Window, Ct)).Should().BeTrue();
    }

    [Fact]
    public async Task TryAddAsync_ManyIds_KeepsOnlyTheWindowInTheFile()
    {
        var database = _file.Open();
        var inbox = new SqliteInbox(database);
        var window = new IdempotencyWindow(10, null);
        for (var i = 0; i < 50; i++)
        {
            await inbox.TryAddAsync("billing", $"e{i}", window, Ct);
        }

        var kept = await database.WriteAsync(s => (long)s.Command("SELECT COUNT(*) FROM eventbus_inbox").ExecuteScalar()!, Ct);

        kept.Should().Be(10);
        (await inbox.TryAddAsync("billing", "e40", window, Ct)).Should().BeFalse();
        (await inbox.TryAddAsync("billing", "e39", window, Ct)).Should().BeTrue();
    }

    [Fact]
    public async Task TryAddAsync_ConcurrentSameId_ExactlyOneIsFirst()
    {
        var inbox = new SqliteInbox(_file.Open());

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => inbox.TryAddAsync("billing", "e1", Window, Ct).AsTask())));

        results.Count(first => first).Should().Be(1);
    }

    [Fact]
    public async Task Bus_RedeliveryAfterRestart_IsDropped()
    {
        var placed = new Event<Sagas.CounterStarted>("counter.started", new Sagas.CounterStarted("c-1"));
        var handled = new Recorder<Event<Sagas.CounterStarted>>();
        await using (var first = await StartBusAsync())
        {
            first.GetRequiredService<IEventBus>().Subscribe<Sagas.CounterStarted>(e => handled.Add(e), new SubscriptionOptions { Name = "counter" });
            await first.GetRequiredService<IEventBus>().PublishAsync(placed);
            await handled.WaitForAsync(1);
            await first.GetRequiredService<IEventBusLifetime>().StopAsync(Ct);
        }

        await using var second = await StartBusAsync();
        var other = new Event<Sagas.CounterStarted>("counter.started", new Sagas.CounterStarted("c-2"));
        second.GetRequiredService<IEventBus>().Subscribe<Sagas.CounterStarted>(e => handled.Add(e), new SubscriptionOptions { Name = "counter" });
        await second.GetRequiredService<IEventBus>().PublishAsync(placed);
        await second.GetRequiredService<IEventBus>().PublishAsync(other);
        await handled.WaitForAsync(2);
        await second.GetRequiredService<IEventBusLifetime>().StopAsync(Ct);

        // Stopping drained the second bus: had the redelivery not been dropped, it would be recorded here too.
        handled.Items[0].Id.Should().Be(placed.Id);
        handled.Items.Skip(1).Select(e => e.Id).Should().Equal(other.Id);
    }

    private async Task<ServiceProvider> StartBusAsync()
    {
        var services = new ServiceCollection();
        services.AddEventBus().AddIdempotency().UseSqlite(_file.ConnectionString);
        var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<IEventBusLifetime>().StartAsync(Ct);
        return provider;
    }
}
