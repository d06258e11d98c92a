namespace EventBus.Samples.Orders.Demo;

/// <summary>Everything a finished demo run observed.</summary>
public sealed record DemoReport
{
    public required DemoOptions Options { get; init; }

    public required IReadOnlyList<PlannedOrder> Orders { get; init; }

    public required IReadOnlyList<OrderOutcome> Outcomes { get; init; }

    /// <summary>Gets every event that crossed the bus, in recording order.</summary>
    public required IReadOnlyList<Event> Timeline { get; init; }

    /// <summary>Gets the saga instances, as the saga store holds them after the run.</summary>
    public required IReadOnlyList<SagaInstance<OrderState>> Instances { get; init; }

    public required IReadOnlyList<DeadLetter> DeadLetters { get; init; }

    /// <summary>Gets the bus's subscriptions as they were before it stopped.</summary>
    public required IReadOnlyList<IEventSubscription> Subscriptions { get; init; }

    /// <summary>Gets a value indicating whether every order ended as planned and nothing was dead-lettered.</summary>
    public bool AllAsPlanned => Outcomes.All(o => o.AsPlanned) && DeadLetters.Count == 0;

    /// <summary>Gets a value indicating whether the run shows no fault: every order finished consistently (completed,
    /// or cancelled with everything undone), each saga started once, and nothing was dead-lettered. An order can end
    /// otherwise than planned without a fault: a payment slower than the timeout is cancelled and refunded.</summary>
    public bool Healthy => DeadLetters.Count == 0 && Outcomes.All(o => o.Starts == 1 && o.Summary is not ("unfinished" or "inconsistent"));
}
