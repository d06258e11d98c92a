using System.Threading.Channels;
using EventBus.Benchmarks.Support;

namespace EventBus.Benchmarks.Peers;

/// <summary>
/// The baseline: one unbounded <see cref="Channel{T}"/> per subscriber and a reader loop that calls the subscriber's
/// handler delegate — the same pre-built <see cref="Event"/> objects and the same handler shape EventBus uses, with
/// nothing else (no capacity, priorities, isolation bookkeeping or failure capture).
/// </summary>
public sealed class RawChannelTarget : IDispatchTarget
{
    private readonly Channel<Event>[] _channels;
    private readonly Task[] _readers;
    private readonly Event[] _events;

    public RawChannelTarget(int subscribers, IDeliveryObserver observer, Event[] events)
        : this(events, Enumerable.Range(0, subscribers).Select(subscriber => ObserverHandler(observer, subscriber)).ToArray())
    {
    }

    public RawChannelTarget(Event[] events, Func<Event, CancellationToken, ValueTask>[] handlers)
    {
        _events = events;
        _channels = new Channel<Event>[handlers.Length];
        _readers = new Task[handlers.Length];
        for (var i = 0; i < handlers.Length; i++)
        {
            var handler = handlers[i];
            var channel = Channel.CreateUnbounded<Event>(new UnboundedChannelOptions { SingleReader = true });
            _channels[i] = channel;
            _readers[i] = Task.Run(() => ReadLoopAsync(channel.Reader, handler));
        }
    }

    public ValueTask PublishAsync(int index) => WriteAsync(_events[index]);

    /// <summary>Writes any event to every subscriber's channel.</summary>
    public ValueTask WriteAsync(Event @event)
    {
        foreach (var channel in _channels)
        {
            if (!channel.Writer.TryWrite(@event))
            {
                throw new InvalidOperationException("The channel is closed.");
            }
        }

        return default;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in _channels)
        {
            channel.Writer.TryComplete();
        }

        await Task.WhenAll(_readers);
    }

    private static Func<Event, CancellationToken, ValueTask> ObserverHandler(IDeliveryObserver observer, int subscriber) => (_, _) =>
    {
        observer.Delivered(subscriber);
        return default;
    };

    private static async Task ReadLoopAsync(ChannelReader<Event> reader, Func<Event, CancellationToken, ValueTask> handler)
    {
        while (await reader.WaitToReadAsync())
        {
            while (reader.TryRead(out var @event))
            {
                await handler(@event, CancellationToken.None);
            }
        }
    }
}
