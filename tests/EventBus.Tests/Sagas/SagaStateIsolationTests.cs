using EventBus.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace EventBus.Tests.Sagas;

/// <summary>A handler that changes its state in place and then fails leaves the stored instance as it was, with the
/// in-memory store as with a durable one (issue 11, finding 8).</summary>
public sealed class SagaStateIsolationTests
{
    private const string SagaName = nameof(TallySaga);

    [Fact]
    public async Task Handler_ChangesStateInPlaceThenThrows_StoredStateAndVersionUnchanged()
    {
        var store = new ObservableSagaStore();
        var deadLetters = new RecordingDeadLetterStore();
        await using var fixture = await StartAsync(store, deadLetters);
        await fixture.Bus.PublishAsync(new TallyOpened("t1"));
        var opened = await store.WaitForAsync<TallyState>(SagaName, "t1", i => i.State.Count == 1);

        await fixture.Bus.PublishAsync(new TallyBumped("t1", Fail: true));
        await deadLetters.WaitForAsync();
        var after = (await store.FindAsync<TallyState>(SagaName, "t1"))!;

        after.Version.Should().Be(opened.Version);
        after.State.Count.Should().Be(1, "the failed handler's change was never saved");
        deadLetters.Entries.Items.Should().ContainSingle().Which.Event.Type.Should().Be("tally.bumped");
    }

    [Fact]
    public async Task Handler_AfterAnotherChangedStateInPlaceAndThrew_SeesTheStoredState()
    {
        var store = new ObservableSagaStore();
        var deadLetters = new RecordingDeadLetterStore();
        await using var fixture = await StartAsync(store, deadLetters);
        await fixture.Bus.PublishAsync(new TallyOpened("t1"));
        await store.WaitForAsync<TallyState>(SagaName, "t1", i => i.State.Count == 1);
        await fixture.Bus.PublishAsync(new TallyBumped("t1", Fail: true));
        await deadLetters.WaitForAsync();

        await fixture.Bus.PublishAsync(new TallyBumped("t1", Fail: false));
        var bumped = await store.WaitForAsync<TallyState>(SagaName, "t1", i => i.ProcessedEventIds.Count == 2);

        bumped.State.Count.Should().Be(2, "one bump succeeded; the failed one left no trace");
    }

    private static Task<BusFixture> StartAsync(ObservableSagaStore store, RecordingDeadLetterStore deadLetters) =>
        BusFixture.StartAsync(
            builder => builder.AddSaga<TallySaga, TallyState>(),
            options: bus => bus.Resilience.Enabled = false, // one attempt: the failure goes straight to dead letters
            services: services =>
            {
                services.AddSingleton<ISagaStore>(store);
                services.AddSingleton<IDeadLetterStore>(deadLetters);
            });
}
