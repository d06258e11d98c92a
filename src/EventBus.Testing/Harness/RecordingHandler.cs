namespace EventBus.Testing.Harness;

/// <summary>Subscribed to <c>#</c>: hands every published event to the harness.</summary>
internal sealed class RecordingHandler(EventBusTestHarness harness) : IEventHandler
{
    public ValueTask HandleAsync(Event @event, CancellationToken cancellationToken)
    {
        harness.RecordPublished(@event);
        return ValueTask.CompletedTask;
    }
}
