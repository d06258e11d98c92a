using System.Threading.Channels;
using EventBus.Benchmarks.Support;

namespace EventBus.Benchmarks.Peers;

/// <summary>
/// The baseline: one unbounded <see cref="Channel{T}"/> per subscriber and a reader loop that calls the subscriber's
/// handler delegate — the same pre-built <see cref="Event"/> objects and the same handler shape EventBus uses, with
/// nothing else (no capacity, priorities, isolation bookkeeping or failure capture).
/// </summary>
/// <typeparam name="TMessage">What the channels carry: <see cref="Event"/> for the baseline.</typeparam>
public sealed class RawChannelTarget<TMessage> : IDispatchTarget
    where TMessage : class
{
    private readonly Channel<TMessage>[] _channels;
    private readonly Task[] _readers;

    // Exactly one is set: pre-built messages (indexed directly, so the baseline pays no delegate call), or a factory.
    private readonly TMessage[]? _events;
    private readonly Func<int, TMessage>? _make;

    /// <summary>Publishes the pre-built <paramref name="events"/>.</summary>
    public RawChannelTarget(int subscribers, IDeliveryObserver observer, TMessage[] events)
        : this(events, null, Handlers(subscribers, observer))
    {
    }

    /// <summary>Publishes what <paramref name="make"/> builds for each index (a new object per event).</summary>
    public RawChannelTarget(int subscribers, IDeliveryObserver observer, Func<int, TMessage> make)
        : this(null, make, Handlers(subscribers, observer))
    {
    }

    public RawChannelTarget(TMessage[] events, Func<TMessage, CancellationToken, ValueTask>[] handlers)
        : this(events, null, handlers)
    {
    }

    private RawChannelTarget(TMessage[]? events, Func<int, TMessage>? make, Func<TMessage, CancellationToken, ValueTask>[] handlers)
    {
        _events = events;
        _make = make;
        _channels = new Channel<TMessage>[handlers.Length];
        _readers = new Task[handlers.Length];
        for (var i = 0; i < handlers.Length; i++)
        {
            var handler = handlers[i];
            var channel = Channel.CreateUnbounded<TMessage>(new UnboundedChannelOptions { SingleReader = true });
            _channels[i] = channel;
            _readers[i] = Task.Run(() => ReadLoopAsync(channel.Reader, handler));
        }
    }

    public ValueTask PublishAsync(int index) => WriteAsync(_events is { } events ? events[index] : _make!(index));

    /// <summary>Writes any event to every subscriber's channel.</summary>
    public ValueTask WriteAsync(TMessage @event)
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

    private static Func<TMessage, CancellationToken, ValueTask>[] Handlers(int subscribers, IDeliveryObserver observer) =>
        Enumerable.Range(0, subscribers).Select(subscriber => ObserverHandler(observer, subscriber)).ToArray();

    private static Func<TMessage, CancellationToken, ValueTask> ObserverHandler(IDeliveryObserver observer, int subscriber) => (_, _) =>
    {
        observer.Delivered(subscriber);
        return default;
    };

    private static async Task ReadLoopAsync(ChannelReader<TMessage> reader, Func<TMessage, CancellationToken, ValueTask> handler)
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
