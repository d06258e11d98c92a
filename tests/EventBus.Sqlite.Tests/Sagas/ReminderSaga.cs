namespace EventBus.Sqlite.Tests.Sagas;

/// <summary>Schedules one timeout per instance and completes when it fires: a saga for timeout tests across processes.</summary>
public sealed class ReminderSaga : Saga<ReminderState>
{
    public static readonly TimeSpan Delay = TimeSpan.FromMinutes(10);

    public override void Configure(SagaBuilder<ReminderState> saga)
    {
        saga.StartedBy<ReminderStarted>((context, e) =>
        {
            context.TransitionTo("waiting");
            context.ScheduleTimeout("remind", new ReminderDue(e.Payload.ReminderId), Delay);
            context.Publish(new ReminderArmed(e.Payload.ReminderId));
        }).CorrelateBy(p => p.ReminderId);

        saga.Handles<ReminderDue>((context, e) =>
        {
            context.State = context.State with { Fired = context.State.Fired + 1 };
            context.Publish(new ReminderSent(e.Payload.ReminderId));
            context.Complete();
        }).CorrelateBy(p => p.ReminderId);
    }
}
