using EventBus.Benchmarks.Support;
using MassTransit;

namespace EventBus.Benchmarks.Peers;

/// <summary>MassTransit 8.5 in-memory transport: one receive endpoint (queue) per subscriber, delegate handlers.</summary>
public sealed class MassTransitInMemoryTarget : IDispatchTarget
{
    private readonly IBusControl _bus;
    private readonly BenchMessage[] _messages;

    private MassTransitInMemoryTarget(IBusControl bus, BenchMessage[] messages)
    {
        _bus = bus;
        _messages = messages;
    }

    public static async Task<MassTransitInMemoryTarget> CreateAsync(int subscribers, IDeliveryObserver observer, BenchMessage[] messages)
    {
        var bus = Bus.Factory.CreateUsingInMemory(cfg =>
        {
            for (var i = 0; i < subscribers; i++)
            {
                var subscriber = i;
                cfg.ReceiveEndpoint($"bench-subscriber-{i}", endpoint => endpoint.Handler<BenchMessage>(_ =>
                {
                    observer.Delivered(subscriber);
                    return Task.CompletedTask;
                }));
            }
        });
        await bus.StartAsync();
        return new MassTransitInMemoryTarget(bus, messages);
    }

    public ValueTask PublishAsync(int index) => new(_bus.Publish(_messages[index]));

    public async ValueTask DisposeAsync() => await _bus.StopAsync();
}
