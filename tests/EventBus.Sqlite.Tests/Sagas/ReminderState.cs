namespace EventBus.Sqlite.Tests.Sagas;

public sealed record ReminderState
{
    public int Fired { get; init; }
}
