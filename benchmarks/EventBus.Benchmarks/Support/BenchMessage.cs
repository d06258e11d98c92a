namespace EventBus.Benchmarks.Support;

/// <summary>The message the peers (MassTransit, Wolverine, Akka.NET) deliver: a plain class, their natural shape.</summary>
public sealed class BenchMessage
{
    public int Sequence { get; init; }
}
