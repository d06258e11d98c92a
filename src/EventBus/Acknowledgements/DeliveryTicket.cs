namespace EventBus.Acknowledgements;

/// <summary>Collects the outcomes of one tracked event, one per subscription that accepted it, and completes when the
/// last one is in. Outcomes may arrive before the publisher knows how many to expect; both orders complete it.</summary>
internal sealed class DeliveryTicket(DeadLetter? redriven)
{
    private readonly Lock _lock = new();
    private readonly List<DeliveryAcknowledgement> _outcomes = [];
    private readonly TaskCompletionSource<IReadOnlyList<DeliveryAcknowledgement>> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _expected = -1;

    /// <summary>Gets the dead letter this event redrives, if it is a redrive: a renewed failure keeps its history.</summary>
    public DeadLetter? Redriven { get; } = redriven;

    public Task<IReadOnlyList<DeliveryAcknowledgement>> Outcomes => _done.Task;

    /// <summary>Gets or sets the id of the dead letter that replaced <see cref="Redriven"/> when the redrive failed again.</summary>
    public string? RenewedDeadLetterId { get; set; }

    /// <summary>Sets how many outcomes to wait for: the subscriptions that accepted the event.</summary>
    /// <returns>true when this completed the ticket.</returns>
    public bool Expect(int count)
    {
        lock (_lock)
        {
            _expected = count;
            return TryComplete();
        }
    }

    /// <returns>true when this completed the ticket.</returns>
    public bool Report(DeliveryAcknowledgement acknowledgement)
    {
        lock (_lock)
        {
            _outcomes.Add(acknowledgement);
            return TryComplete();
        }
    }

    private bool TryComplete() => _expected >= 0 && _outcomes.Count >= _expected && _done.TrySetResult([.. _outcomes]);
}
