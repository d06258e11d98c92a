namespace EventBus.Samples.Orders.Demo;

/// <summary>What the store already held when a run started: the orders of earlier runs on the same database.</summary>
/// <param name="Orders">How many order saga instances were stored (one per order).</param>
/// <param name="ByStatus">How many of them are in each saga status.</param>
/// <param name="HighestOrderNumber">The highest order number used so far (1000 when none), so a new run continues
/// after it.</param>
public sealed record EarlierRuns(int Orders, IReadOnlyDictionary<SagaStatus, int> ByStatus, int HighestOrderNumber)
{
    /// <summary>Gets nothing: an empty store.</summary>
    public static EarlierRuns None { get; } = new(0, new Dictionary<SagaStatus, int>(), DemoOptions.DefaultFirstOrderNumber - 1);
}
