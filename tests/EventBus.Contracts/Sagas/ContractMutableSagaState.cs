namespace EventBus.Contracts.Sagas;

/// <summary>A state a careless handler changes in place, to check that a store hands out copies, never its own.</summary>
public sealed class ContractMutableSagaState
{
    public int Count { get; set; }

    public List<string> Items { get; set; } = [];
}
