namespace EventBus.EventStore.Projections;

/// <summary>A projection registered with the builder.</summary>
internal sealed record ProjectionRegistration(string Name, ProjectionOptions Options, Func<IServiceProvider, IProjection> Create);
