using Akka.Actor;
using Akka.Configuration;
using EventBus.Benchmarks.Support;

namespace EventBus.Benchmarks.Peers;

/// <summary>Akka.NET's EventStream: one actor per subscriber, subscribed to the message type.</summary>
public sealed class AkkaEventStreamTarget : IDispatchTarget
{
    private static readonly Config Quiet = ConfigurationFactory.ParseString(
        """
        akka.loglevel = ERROR
        akka.stdout-loglevel = ERROR
        akka.log-dead-letters = off
        akka.log-config-on-start = off
        """);

    private readonly ActorSystem _system;
    private readonly BenchMessage[] _messages;

    public AkkaEventStreamTarget(int subscribers, IDeliveryObserver observer, BenchMessage[] messages)
    {
        _messages = messages;
        _system = ActorSystem.Create("bench", Quiet);
        for (var i = 0; i < subscribers; i++)
        {
            var subscriber = i;
            var actor = _system.ActorOf(Props.Create(() => new SinkActor(observer, subscriber)), $"subscriber-{i}");
            _system.EventStream.Subscribe(actor, typeof(BenchMessage));
        }
    }

    public ValueTask PublishAsync(int index)
    {
        _system.EventStream.Publish(_messages[index]);
        return default;
    }

    public async ValueTask DisposeAsync() => await _system.Terminate();

    private sealed class SinkActor(IDeliveryObserver observer, int subscriber) : UntypedActor
    {
        protected override void OnReceive(object message)
        {
            if (message is BenchMessage)
            {
                observer.Delivered(subscriber);
            }
        }
    }
}
