namespace EventBus.Resilience;

/// <summary>How one delivery ended, after every attempt and pause its policy allowed.</summary>
internal readonly record struct DeliveryResult(DeliveryOutcome Outcome, int Attempts, Exception? Exception)
{
    public static DeliveryResult Handled(int attempts) => new(DeliveryOutcome.Handled, attempts, null);
}
