namespace EventBus.Benchmarks.Peers;

/// <summary>One bus under test with its subscribers attached; publishes the i-th of its pre-built events.</summary>
public interface IDispatchTarget : IAsyncDisposable
{
    ValueTask PublishAsync(int index);
}
