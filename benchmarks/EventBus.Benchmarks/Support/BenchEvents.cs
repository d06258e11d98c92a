namespace EventBus.Benchmarks.Support;

/// <summary>Pre-built events, so building them is not part of any measurement.</summary>
public static class BenchEvents
{
    private static readonly DateTimeOffset FixedTime = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Envelopes with Time, Source and CorrelationId already set, so the bus has nothing to stamp.</summary>
    public static Event<BenchPayload>[] Envelopes(int count, EventPriority priority = EventPriority.Normal)
    {
        var events = new Event<BenchPayload>[count];
        for (var i = 0; i < count; i++)
        {
            var envelope = new Event<BenchPayload>(BenchPayload.TypeName, new BenchPayload { Sequence = i });
            events[i] = envelope with { Time = FixedTime, Source = "/bench", CorrelationId = envelope.Id, Priority = priority };
        }

        return events;
    }

    public static BenchPayload[] Payloads(int count) =>
        Enumerable.Range(0, count).Select(i => new BenchPayload { Sequence = i }).ToArray();

    public static BenchMessage[] Messages(int count) =>
        Enumerable.Range(0, count).Select(i => new BenchMessage { Sequence = i }).ToArray();
}
