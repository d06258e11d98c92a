namespace EventBus.Benchmarks.Support;

/// <summary>
/// A message as large as EventBus's envelope (112 bytes with the object header), which the allocating raw-channel
/// baseline builds and time-stamps once per publish: what any queue pays for creating one object per event and
/// handing it to another thread, before any work of a bus.
/// </summary>
/// <remarks>The fields mirror the envelope's (payload, type, source, correlation, causation, subject, id, time,
/// priority); only the payload, type, source and time are set, as the others cost nothing more to leave zeroed.</remarks>
public sealed class StampedMessage(BenchPayload payload, string type, string source, DateTimeOffset time)
{
    public BenchPayload Payload { get; } = payload;

    public string Type { get; } = type;

    public string Source { get; } = source;

    public string? CorrelationId { get; init; }

    public string? CausationId { get; init; }

    public string? Subject { get; init; }

    public Guid Id { get; init; }

    public DateTimeOffset Time { get; } = time;

    public long Sequence { get; init; }

    public int Priority { get; init; }
}
