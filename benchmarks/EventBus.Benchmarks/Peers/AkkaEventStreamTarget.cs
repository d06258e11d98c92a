using Akka.Actor;
using Akka.Configuration;
using EventBus.Benchmarks.Support;

namespace EventBus.Benchmarks.Peers;

/// <summary>Akka.NET's EventStream: one actor per subscriber, subscribed to the message type.</summary>
/// <typeparam name="TMessage">What is published: <see cref="BenchMessage"/>, Akka's natural shape, or an
/// envelope-sized <see cref="StampedMessage"/> built per publish.</typeparam>
public sealed class AkkaEventStreamTarget<TMessage> : IDispatchTarget
    where TMessage : class
{
    private static readonly Config Quiet = ConfigurationFactory.ParseString(
        """
        akka.loglevel = ERROR
        akka.stdout-loglevel = ERROR
        akka.log-dead-letters = off
        akka.log-config-on-start = off
        """);

    private readonly ActorSystem _system;

    // Exactly one is set: pre-built messages (indexed directly), or a factory that builds a new one per publish.
    private readonly TMessage[]? _messages;
    private readonly Func<int, TMessage>? _make;

    /// <summary>Publishes the pre-built <paramref name="messages"/>.</summary>
    public AkkaEventStreamTarget(int subscribers, IDeliveryObserver observer, TMessage[] messages)
        : this(subscribers, observer, messages, null)
    {
    }

    /// <summary>Publishes what <paramref name="make"/> builds for each index (a new object per event).</summary>
    public AkkaEventStreamTarget(int subscribers, IDeliveryObserver observer, Func<int, TMessage> make)
        : this(subscribers, observer, null, make)
    {
    }

    private AkkaEventStreamTarget(int subscribers, IDeliveryObserver observer, TMessage[]? messages, Func<int, TMessage>? make)
    {
        _messages = messages;
        _make = make;
        _system = ActorSystem.Create("bench", Quiet);
        for (var i = 0; i < subscribers; i++)
        {
            var subscriber = i;
            var actor = _system.ActorOf(Props.Create(() => new SinkActor(observer, subscriber)), $"subscriber-{i}");
            _system.EventStream.Subscribe(actor, typeof(TMessage));
        }
    }

    public ValueTask PublishAsync(int index)
    {
        _system.EventStream.Publish(_messages is { } messages ? messages[index] : _make!(index));
        return default;
    }

    public async ValueTask DisposeAsync() => await _system.Terminate();

    private sealed class SinkActor(IDeliveryObserver observer, int subscriber) : UntypedActor
    {
        protected override void OnReceive(object message)
        {
            if (message is TMessage)
            {
                observer.Delivered(subscriber);
            }
        }
    }
}
