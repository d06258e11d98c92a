using EventBus.Benchmarks.Peers;
using EventBus.Benchmarks.Support;

namespace EventBus.Benchmarks.Dispatch;

/// <summary>One measured round: publish every pre-built event, then wait until every subscriber handled every one.</summary>
public sealed class DispatchRun(IDispatchTarget target, DeliveryCountdown countdown, int events) : IAsyncDisposable
{
    public async Task RunAsync()
    {
        var delivered = countdown.Arm(events);
        for (var i = 0; i < events; i++)
        {
            var published = target.PublishAsync(i);
            if (!published.IsCompletedSuccessfully)
            {
                await published;
            }
        }

        await delivered;
    }

    public ValueTask DisposeAsync() => target.DisposeAsync();
}
