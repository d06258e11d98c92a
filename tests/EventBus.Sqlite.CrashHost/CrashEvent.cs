namespace EventBus.Sqlite.CrashHost;

/// <summary>One event of an appended batch: which batch, its index in it and the batch size, so a reader of the
/// database can tell a whole batch from a partial one.</summary>
[EventType("crash.appended")]
public sealed record CrashEvent(string Batch, int Index, int Count);
