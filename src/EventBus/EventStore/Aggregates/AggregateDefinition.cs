namespace EventBus.EventStore.Aggregates;

/// <summary>How to build one aggregate type: its stream category, initial state and evolve function.</summary>
internal sealed record AggregateDefinition<TState>(string Category, Func<TState> Initial, Func<TState, object, TState> Evolve, AggregateOptions Options)
{
    public string StreamIdOf(string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        return StreamId.Validate($"{Category}-{id}", nameof(id));
    }
}
