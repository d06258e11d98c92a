using EventBus.Benchmarks.Support;

namespace EventBus.Benchmarks.DependencyInjection;

/// <summary>A DI handler resolved in a fresh scope per event, with one scoped dependency.</summary>
public sealed class ScopedBenchHandler(IDeliveryObserver observer, ScopedDependency dependency) : IEventHandler<BenchPayload>
{
    public ValueTask HandleAsync(Event<BenchPayload> @event, CancellationToken cancellationToken)
    {
        dependency.Uses++;
        observer.Delivered(0);
        return default;
    }
}
