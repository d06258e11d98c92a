using EventBus.PostgreSql.EventStore;

namespace EventBus.PostgreSql.Tests.TestSupport;

/// <summary>Stored-event data for tests that only count and order events: fresh ids, one type, an empty JSON body.</summary>
internal static class TestEvents
{
    public static EventData[] New(int count) =>
        [.. Enumerable.Range(0, count).Select(_ => new EventData(Guid.NewGuid().ToString(), "test.happened", "{}"u8.ToArray()))];
}
