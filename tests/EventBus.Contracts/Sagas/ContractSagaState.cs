namespace EventBus.Contracts.Sagas;

/// <summary>The state the saga store contract saves and reads back.</summary>
public sealed record ContractSagaState
{
    public int Count { get; init; }

    public string? Note { get; init; }

    public IReadOnlyList<string> Items { get; init; } = [];
}
