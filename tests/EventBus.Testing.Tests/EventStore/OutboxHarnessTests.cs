using EventBus.Testing.Tests.Harness;
using Microsoft.Extensions.DependencyInjection;

namespace EventBus.Testing.Tests.EventStore;

public sealed class OutboxHarnessTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WaitUntilIdleAsync_EventsAppendedToTheStore_ReturnsOnceTheOutboxPublishedThemAll()
    {
        var services = new ServiceCollection();
        services.AddEventBus().AddEventStore().AddEventType<OrderPlaced>();
        services.AddEventBusTestHarness();
        await using var provider = services.BuildServiceProvider();
        var harness = provider.GetRequiredService<EventBusTestHarness>();
        await harness.StartAsync(Token);
        var streams = provider.GetRequiredService<IEventStreams>();

        for (var i = 0; i < 20; i++)
        {
            await streams.AppendAsync($"order-{i}", ExpectedVersion.Any, [new OrderPlaced($"o-{i}")], Token);
        }

        await harness.WaitUntilIdleAsync(Token);

        harness.Published<OrderPlaced>().Select(e => e.Payload.OrderId).Should().BeEquivalentTo(
            Enumerable.Range(0, 20).Select(i => $"o-{i}"));
        (await provider.GetRequiredService<ICheckpointStore>().LoadAsync("$outbox", Token)).Should().Be(20);
        await harness.StopAsync(Token);
    }
}
