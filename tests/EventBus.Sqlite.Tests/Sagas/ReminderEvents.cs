namespace EventBus.Sqlite.Tests.Sagas;

[EventType("reminder.started")]
public sealed record ReminderStarted(string ReminderId);

[EventType("reminder.armed")]
public sealed record ReminderArmed(string ReminderId);

[EventType("reminder.due")]
public sealed record ReminderDue(string ReminderId);

[EventType("reminder.sent")]
public sealed record ReminderSent(string ReminderId);
