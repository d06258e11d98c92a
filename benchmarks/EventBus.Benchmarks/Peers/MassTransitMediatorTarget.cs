using EventBus.Benchmarks.Support;
using MassTransit;
using MassTransit.Mediator;

namespace EventBus.Benchmarks.Peers;

/// <summary>MassTransit 8.5 mediator with one delegate handler per subscriber (its lightest handler shape).</summary>
public sealed class MassTransitMediatorTarget : IDispatchTarget
{
    private readonly IMediator _mediator;
    private readonly BenchMessage[] _messages;

    public MassTransitMediatorTarget(int subscribers, IDeliveryObserver observer, BenchMessage[] messages)
    {
        _messages = messages;
        _mediator = Bus.Factory.CreateMediator(cfg =>
        {
            for (var i = 0; i < subscribers; i++)
            {
                var subscriber = i;
                cfg.Handler<BenchMessage>(_ =>
                {
                    observer.Delivered(subscriber);
                    return Task.CompletedTask;
                });
            }
        });
    }

    public ValueTask PublishAsync(int index) => new(_mediator.Publish(_messages[index]));

    public ValueTask DisposeAsync() => default;
}
