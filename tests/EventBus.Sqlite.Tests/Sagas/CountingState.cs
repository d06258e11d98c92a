namespace EventBus.Sqlite.Tests.Sagas;

public sealed record CountingState
{
    public int Count { get; init; }

    public IReadOnlyList<string> Seen { get; init; } = [];
}
