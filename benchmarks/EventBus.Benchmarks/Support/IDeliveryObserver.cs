namespace EventBus.Benchmarks.Support;

/// <summary>What every handler of every peer calls first: the same work for all, so only the bus differs.</summary>
public interface IDeliveryObserver
{
    void Delivered(int subscriber);
}
