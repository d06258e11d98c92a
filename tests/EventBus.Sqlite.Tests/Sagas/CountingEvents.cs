namespace EventBus.Sqlite.Tests.Sagas;

[EventType("counter.started")]
public sealed record CounterStarted(string CounterId);

[EventType("counter.incremented")]
public sealed record CounterIncremented(string CounterId);

[EventType("counter.counted")]
public sealed record CounterCounted(string CounterId, int Count);
