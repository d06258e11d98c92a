using EventBus.Contracts.DeadLetters;
using EventBus.DeadLetters;
using EventBus.Diagnostics;
using EventBus.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EventBus.Tests.DeadLetters;

public sealed class InMemoryDeadLetterStoreTests : DeadLetterStoreContractTests
{
    protected override IDeadLetterStore CreateStore() =>
        new InMemoryDeadLetterStore(Options.Create(new EventBusOptions()), new EventBusMetrics(), NullLogger<InMemoryDeadLetterStore>.Instance);

    [Fact]
    public async Task AddAsync_CapacityReached_EvictsOldestAndCountsAndLogsIt()
    {
        var clock = new TestClock();
        var logs = new LogRecorder();
        await using var fixture = await FailureBus.StartAsync(clock, logs, o => o.DeadLetters.Capacity = 2);
        using var metrics = new MetricRecorder(fixture.Provider);
        var store = fixture.DeadLetters;

        await store.AddAsync(Entry(id: "1", subscription: "billing"), Ct);
        await store.AddAsync(Entry(id: "2", subscription: "billing"), Ct);
        logs.Named("DeadLetterCapacityReached").Should().BeEmpty();
        await store.AddAsync(Entry(id: "3", subscription: "shipping"), Ct);

        (await QueryAsync(store, DeadLetterQuery.All)).Select(e => e.Id).Should().Equal("2", "3");
        metrics.Sum(EventBusDiagnostics.DeadLettersEvicted).Should().Be(1);
        metrics.Of(EventBusDiagnostics.DeadLettersEvicted).Single().Tags["eventbus.subscription"].Should().Be("billing");
        logs.Named("DeadLetterCapacityReached").Should().ContainSingle().Which.Message.Should().Contain("(2 entries)");
    }

    [Fact]
    public async Task Bus_UsesInMemoryStoreByDefault_AndACustomStoreWhenRegistered()
    {
        await using var defaults = await BusFixture.StartAsync();
        await using var custom = await BusFixture.StartAsync(b => b.UseDeadLetterStore<RecordingStore>());

        defaults.DeadLetters.Should().BeOfType<InMemoryDeadLetterStore>();
        custom.DeadLetters.Should().BeOfType<RecordingStore>();
    }

    private sealed class RecordingStore : IDeadLetterStore
    {
        public ValueTask AddAsync(DeadLetter deadLetter, CancellationToken cancellationToken = default) => default;

        public IAsyncEnumerable<DeadLetter> QueryAsync(DeadLetterQuery query, CancellationToken cancellationToken = default) => AsyncEnumerable.Empty<DeadLetter>();

        public ValueTask<long> CountAsync(DeadLetterQuery query, CancellationToken cancellationToken = default) => new(0);

        public ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken = default) => new(false);

        public ValueTask<long> DeleteAsync(DeadLetterQuery query, CancellationToken cancellationToken = default) => new(0);
    }
}
