using EventBus.Benchmarks.Support;
using Microsoft.Extensions.DependencyInjection;

namespace EventBus.Benchmarks.Peers;

/// <summary>EventBus as a user gets it from <c>AddEventBus()</c>, with delegate subscriptions.</summary>
/// <remarks>
/// Subscriptions run without a failure policy unless <c>failurePolicy</c> is true: none of the peers retries, times out
/// or breaks a circuit per delivery in these benchmarks, so the head-to-head rows compare the same work. The default
/// policy (Polly retry, attempt and operation timeouts, circuit breaker) is measured in its own row.
/// </remarks>
public sealed class EventBusTarget : IDispatchTarget
{
    private readonly ServiceProvider _provider;
    private readonly IEventBus _bus;
    private readonly EventBusMode _mode;
    private readonly Event[] _envelopes;
    private readonly BenchPayload[] _payloads;

    private EventBusTarget(ServiceProvider provider, EventBusMode mode, Event<BenchPayload>[] envelopes)
    {
        _provider = provider;
        _bus = provider.GetRequiredService<IEventBus>();
        _mode = mode;
        _envelopes = envelopes;
        _payloads = envelopes.Select(e => e.Payload).ToArray();
    }

    public IEventBus Bus => _bus;

    public static async Task<EventBusTarget> CreateAsync(
        int subscribers,
        IDeliveryObserver observer,
        Event<BenchPayload>[] envelopes,
        EventBusMode mode = EventBusMode.TypedEnvelope,
        Action<EventBusOptions>? options = null,
        Action<IEventBusBuilder>? configure = null,
        Action<IServiceCollection>? services = null,
        bool failurePolicy = false)
    {
        var collection = new ServiceCollection();
        services?.Invoke(collection);
        var builder = collection.AddEventBus(o =>
        {
            o.Resilience.Enabled = failurePolicy;
            options?.Invoke(o);
        });
        configure?.Invoke(builder);
        var target = new EventBusTarget(collection.BuildServiceProvider(), mode, envelopes);
        await target._provider.GetRequiredService<IEventBusLifetime>().StartAsync();
        for (var i = 0; i < subscribers; i++)
        {
            var subscriber = i;
            if (mode == EventBusMode.WildcardEnvelope)
            {
                target._bus.Subscribe("bench.#", (_, _) =>
                {
                    observer.Delivered(subscriber);
                    return default;
                });
            }
            else
            {
                target._bus.Subscribe<BenchPayload>((_, _) =>
                {
                    observer.Delivered(subscriber);
                    return default;
                });
            }
        }

        return target;
    }

    public ValueTask PublishAsync(int index) => _mode == EventBusMode.TypedPayload
        ? _bus.PublishAsync(_payloads[index])
        : _bus.PublishAsync(_envelopes[index], CancellationToken.None); // the Event overload, not PublishAsync<T>(payload)

    public ValueTask DisposeAsync() => _provider.DisposeAsync();
}
