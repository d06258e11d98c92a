namespace EventBus.Sagas;

/// <summary>A saga's declarations, read once at registration.</summary>
internal sealed class SagaDefinition<TState>
    where TState : class, new()
{
    private SagaDefinition(string name, Type sagaType, SagaBuilder<TState> builder)
    {
        Name = name;
        SagaType = sagaType;
        Handlers = [.. builder.Handlers];
        Compensations = builder.Compensations.ToDictionary(StringComparer.Ordinal);
        OnCompensated = builder.CompensatedHandler;
    }

    public string Name { get; }

    public Type SagaType { get; }

    public IReadOnlyList<SagaHandler<TState>> Handlers { get; }

    public IReadOnlyDictionary<string, SagaCompensation<TState>> Compensations { get; }

    public Func<SagaContext<TState>, CancellationToken, ValueTask>? OnCompensated { get; }

    public static SagaDefinition<TState> Create(Saga<TState> saga)
    {
        ArgumentNullException.ThrowIfNull(saga);
        var name = saga.Name;
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException($"Saga {saga.GetType().Name} has an empty Name.", nameof(saga));
        }

        var builder = new SagaBuilder<TState>();
        saga.Configure(builder);
        if (!builder.Handlers.Any(h => h.StartsSaga))
        {
            throw new InvalidOperationException(
                $"Saga '{name}' declares no event that starts it; call saga.StartedBy<TEvent>(...) in Configure.");
        }

        return new SagaDefinition<TState>(name, saga.GetType(), builder);
    }

    public SagaHandler<TState>? HandlerFor(Type payloadType)
    {
        foreach (var handler in Handlers)
        {
            if (handler.PayloadType == payloadType)
            {
                return handler;
            }
        }

        return null;
    }
}
