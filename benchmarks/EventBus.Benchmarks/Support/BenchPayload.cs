namespace EventBus.Benchmarks.Support;

/// <summary>The payload EventBus and the raw channel baseline deliver.</summary>
[EventType(TypeName)]
public sealed class BenchPayload
{
    public const string TypeName = "bench.dispatched";

    public int Sequence { get; init; }
}
