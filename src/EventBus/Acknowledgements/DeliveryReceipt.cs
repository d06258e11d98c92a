namespace EventBus;

/// <summary>What <see cref="IAcknowledgingPublisher.PublishAsync"/> gives back once every matching subscription
/// accepted an event: a task for the outcome of each.</summary>
public sealed class DeliveryReceipt
{
    internal DeliveryReceipt(string eventId, Task<IReadOnlyList<DeliveryAcknowledgement>> outcomes)
    {
        EventId = eventId;
        Outcomes = outcomes;
    }

    /// <summary>Gets the id of the published event.</summary>
    public string EventId { get; }

    /// <summary>Gets a task that completes with one acknowledgement per subscription that accepted the event (empty
    /// when none matched), once each has reached its outcome. It never faults: a bus that stops first reports the
    /// unfinished deliveries as <see cref="DeliveryStatus.Interrupted"/>.</summary>
    public Task<IReadOnlyList<DeliveryAcknowledgement>> Outcomes { get; }

    /// <summary>Gets a value indicating whether every outcome is in and final (<see cref="DeliveryAcknowledgement.IsFinal"/>).</summary>
    public bool IsDone => Outcomes.IsCompletedSuccessfully && Outcomes.Result.All(a => a.IsFinal);
}
