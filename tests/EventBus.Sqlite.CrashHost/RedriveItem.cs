namespace EventBus.Sqlite.CrashHost;

/// <summary>The payload of a dead letter the redrive scenario redrives; <see cref="Number"/> names it.</summary>
[EventType("crash.redrive-item")]
public sealed record RedriveItem(int Number);
