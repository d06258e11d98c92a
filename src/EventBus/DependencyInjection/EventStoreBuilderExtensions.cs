using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Text.Json.Nodes;
using EventBus.DependencyInjection;
using EventBus.EventStore;
using EventBus.EventStore.Aggregates;
using EventBus.EventStore.Checkpoints;
using EventBus.EventStore.Leases;
using EventBus.EventStore.Outbox;
using EventBus.EventStore.Projections;
using EventBus.EventStore.Serialization;
using EventBus.EventStore.Snapshots;
using EventBus.EventStore.Upcasting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EventBus;

/// <summary>Adds the event store and its features to the bus.</summary>
public static class EventStoreBuilderExtensions
{
    /// <summary>Adds the event store: the embedded in-memory stores unless an <see cref="IEventStore"/>,
    /// <see cref="ISnapshotStore"/>, <see cref="ICheckpointStore"/> or <see cref="IProcessorLeaseStore"/> is already registered, the typed
    /// <see cref="IEventStreams"/>, projections and the outbox that publishes appended events on the bus (both run as
    /// hosted services). Calling it again only applies <paramref name="configure"/> again.</summary>
    /// <param name="builder">The bus builder.</param>
    /// <param name="configure">Configures <see cref="EventStoreOptions"/>.</param>
    /// <returns>A builder to add event types, upcasters, aggregates and projections.</returns>
    public static IEventStoreBuilder AddEventStore(this IEventBusBuilder builder, Action<EventStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<EventStoreOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EventStoreOptions>, EventStoreOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IEventStore, InMemoryEventStore>();
        services.TryAddSingleton<ISnapshotStore, InMemorySnapshotStore>();
        services.TryAddSingleton<ICheckpointStore, InMemoryCheckpointStore>();
        services.TryAddSingleton<IProcessorLeaseStore, LocalProcessorLeaseStore>();
        services.TryAddSingleton<ProcessorLeaseRunner>();
        services.TryAddSingleton<UpcasterChain>();
        services.TryAddSingleton<EventSerializer>();
        services.TryAddSingleton<ProjectionManager>();
        services.TryAddSingleton<IProjectionManager>(static sp => sp.GetRequiredService<ProjectionManager>());
        services.TryAddSingleton<IEventStreams, EventStreams>();
        services.TryAddSingleton<UnreadableEvents>();
        services.TryAddSingleton<OutboxPublisher>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, OutboxService>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ProjectionDaemon>());
        return builder as IEventStoreBuilder ?? new EventStoreBuilder(services);
    }

    /// <summary>Registers <typeparamref name="T"/> under the name of its <see cref="EventTypeAttribute"/>, so stored
    /// events of that type can be read back in a process that has not written one yet.</summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> has no <see cref="EventTypeAttribute"/>;
    /// use <c>AddEventType&lt;T&gt;("name")</c>.</exception>
    public static IEventStoreBuilder AddEventType<T>(this IEventStoreBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var name = typeof(T).GetCustomAttribute<EventTypeAttribute>(inherit: false)?.Name
            ?? throw new InvalidOperationException($"{typeof(T).FullName} has no [EventType] attribute; register it with AddEventType<{typeof(T).Name}>(\"namespace.name\").");
        builder.AddEventType<T>(name);
        return builder;
    }

    /// <summary>Registers one upcasting step: stored payloads of <paramref name="eventType"/> at
    /// <paramref name="fromVersion"/> are transformed to <paramref name="toVersion"/> on read. Steps chain
    /// (1.0 → 2.0 → 3.0) until no step starts at the version reached.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="eventType">The event type name.</param>
    /// <param name="fromVersion">The data version the step reads.</param>
    /// <param name="toVersion">The data version the step produces.</param>
    /// <param name="upcast">Transforms the JSON payload; it may modify and return its argument.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException">The type name is invalid, a version is empty, or the versions are equal.
    /// Two steps from the same version, or a cycle, fail when the store is first used.</exception>
    public static IEventStoreBuilder AddUpcaster(this IEventStoreBuilder builder, string eventType, string fromVersion, string toVersion, Func<JsonObject, JsonObject> upcast)
    {
        ArgumentNullException.ThrowIfNull(builder);
        EventTypeName.Validate(eventType, nameof(eventType));
        ArgumentException.ThrowIfNullOrWhiteSpace(fromVersion);
        ArgumentException.ThrowIfNullOrWhiteSpace(toVersion);
        ArgumentNullException.ThrowIfNull(upcast);
        if (string.Equals(fromVersion, toVersion, StringComparison.Ordinal))
        {
            throw new ArgumentException($"An upcaster of '{eventType}' must change the data version; both are '{fromVersion}'.", nameof(toVersion));
        }

        builder.Services.AddSingleton(new UpcasterRegistration(eventType, fromVersion, toVersion, upcast));
        return builder;
    }

    /// <summary>Registers an aggregate type and its <see cref="IAggregateRepository{TState}"/>.</summary>
    /// <typeparam name="TState">The state type; serialized with System.Text.Json for snapshots.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <param name="category">The stream category: the stream of aggregate <c>id</c> is <c>category-id</c>.</param>
    /// <param name="initial">Creates the state of an aggregate with no events.</param>
    /// <param name="evolve">Folds one event payload into the state; called once per event, no reflection.</param>
    /// <param name="configure">Configures snapshots.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="category"/> is empty or starts with <c>$</c>, or the
    /// options are out of range.</exception>
    public static IEventStoreBuilder AddAggregate<TState>(this IEventStoreBuilder builder, string category, Func<TState> initial, Func<TState, object, TState> evolve, Action<AggregateOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(initial);
        ArgumentNullException.ThrowIfNull(evolve);
        StreamId.Validate(category, nameof(category));
        var options = new AggregateOptions();
        configure?.Invoke(options);
        if (options.SnapshotEvery < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(configure), options.SnapshotEvery, $"Aggregate '{category}': SnapshotEvery must be 0 (off) or positive.");
        }

        builder.Services.TryAddSingleton(new AggregateDefinition<TState>(category, initial, evolve, options));
        builder.Services.TryAddSingleton<IAggregateRepository<TState>, AggregateRepository<TState>>();
        return builder;
    }

    /// <summary>Registers a projection (a read model fed from the global log). <typeparamref name="TProjection"/> is
    /// registered as a singleton unless already registered, so the read model it keeps can be injected.</summary>
    /// <typeparam name="TProjection">The projection type.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <param name="name">The unique projection name; also the name of its checkpoint.</param>
    /// <param name="configure">Configures the mode, the event types and checkpointing.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException">The name is empty, or the options are invalid.</exception>
    public static IEventStoreBuilder AddProjection<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TProjection>(this IEventStoreBuilder builder, string name, Action<ProjectionOptions>? configure = null)
        where TProjection : class, IProjection
    {
        ArgumentNullException.ThrowIfNull(builder);
        CheckpointName.Validate(name);
        if (name.StartsWith('$'))
        {
            throw new ArgumentException($"Projection name '{name}' starts with '$', which is reserved for system checkpoints such as the outbox.", nameof(name));
        }

        var options = new ProjectionOptions();
        configure?.Invoke(options);
        TopicPattern.Parse(options.EventTypes);
        if (options.BatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(configure), options.BatchSize, $"Projection '{name}': BatchSize must be at least 1.");
        }

        if (options.RetryDelay < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(configure), options.RetryDelay, $"Projection '{name}': RetryDelay must not be negative.");
        }

        if (!Enum.IsDefined(options.Mode))
        {
            throw new ArgumentOutOfRangeException(nameof(configure), options.Mode, $"Projection '{name}': Mode must be Async or Inline.");
        }

        builder.Services.TryAddSingleton<TProjection>();
        builder.Services.AddSingleton(new ProjectionRegistration(name, options, static sp => sp.GetRequiredService<TProjection>()));
        return builder;
    }
}
