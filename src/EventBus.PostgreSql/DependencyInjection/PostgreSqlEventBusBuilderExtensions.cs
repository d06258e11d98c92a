using System.Diagnostics.CodeAnalysis;
using EventBus.PostgreSql.DeadLetters;
using EventBus.PostgreSql.DependencyInjection;
using EventBus.PostgreSql.EventStore;
using EventBus.PostgreSql.EventStore.Checkpoints;
using EventBus.PostgreSql.EventStore.Leases;
using EventBus.PostgreSql.EventStore.Snapshots;
using EventBus.PostgreSql.Idempotency;
using EventBus.PostgreSql.Sagas;
using EventBus.PostgreSql.Serialization;
using EventBus.PostgreSql.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EventBus;

/// <summary>Stores the bus's durable state in PostgreSQL, shared by every app instance on the database.</summary>
/// <remarks>Each method replaces the matching stores whether it runs before or after <c>AddEventStore</c> (which
/// only adds the in-memory stores when none is registered). All PostgreSQL stores of one service provider share one
/// data source and one schema.</remarks>
public static class PostgreSqlEventBusBuilderExtensions
{
    /// <summary>Keeps every store in PostgreSQL at once, in the default schema <c>eventbus</c>: the event store,
    /// snapshots and checkpoints, dead letters, saga instances and the idempotency inbox. The stores own the data
    /// source they build from the connection string.</summary>
    /// <typeparam name="TBuilder">The builder type, kept for chaining.</typeparam>
    /// <param name="builder">The bus builder.</param>
    /// <param name="connectionString">The Npgsql connection string, such as
    /// <c>Host=localhost;Database=app;Username=app;Password=…</c>.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="connectionString"/> is
    /// null.</exception>
    /// <exception cref="ArgumentException"><paramref name="connectionString"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">PostgreSQL stores were already registered on another connection
    /// string or data source.</exception>
    public static TBuilder UsePostgreSql<TBuilder>(this TBuilder builder, string connectionString)
        where TBuilder : IEventBusBuilder =>
        UsePostgreSql(builder, connectionString, static _ => { });

    /// <summary>Keeps every store in PostgreSQL at once: the event store, snapshots and checkpoints, dead letters,
    /// saga instances and the idempotency inbox, in the schema <see cref="PostgreSqlOptions.Schema"/> (created and
    /// migrated when missing). The stores own the data source they build from the connection string.</summary>
    /// <remarks>Event payloads kept in dead letters and saga instances, and saga state, are JSON written with
    /// <see cref="EventStoreOptions.JsonSerializerOptions"/> and read back as the type the event type registry maps
    /// their event type name to (a name it does not know comes back as a <see cref="System.Text.Json.JsonElement"/>),
    /// so register the event types with <c>AddEventType</c>.</remarks>
    /// <typeparam name="TBuilder">The builder type, kept for chaining.</typeparam>
    /// <param name="builder">The bus builder.</param>
    /// <param name="connectionString">The Npgsql connection string, such as
    /// <c>Host=localhost;Database=app;Username=app;Password=…</c>.</param>
    /// <param name="configure">Configures <see cref="PostgreSqlOptions"/>, such as
    /// <see cref="PostgreSqlOptions.Schema"/>.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/>, <paramref name="connectionString"/> or
    /// <paramref name="configure"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="connectionString"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">PostgreSQL stores were already registered on another connection
    /// string or data source.</exception>
    public static TBuilder UsePostgreSql<TBuilder>(this TBuilder builder, string connectionString, Action<PostgreSqlOptions> configure)
        where TBuilder : IEventBusBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentNullException.ThrowIfNull(configure);
        AddDatabase(builder, new PostgreSqlRegistration(connectionString, null), configure);
        return builder;
    }

    /// <summary>Keeps every store in PostgreSQL at once, on a data source the app builds and owns (for its own pool
    /// settings, logging or authentication): the event store, snapshots and checkpoints, dead letters, saga
    /// instances and the idempotency inbox, in the default schema <c>eventbus</c>.</summary>
    /// <typeparam name="TBuilder">The builder type, kept for chaining.</typeparam>
    /// <param name="builder">The bus builder.</param>
    /// <param name="dataSource">The data source; the app disposes it.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="dataSource"/> is
    /// null.</exception>
    /// <exception cref="InvalidOperationException">PostgreSQL stores were already registered on another connection
    /// string or data source.</exception>
    public static TBuilder UsePostgreSql<TBuilder>(this TBuilder builder, NpgsqlDataSource dataSource)
        where TBuilder : IEventBusBuilder =>
        UsePostgreSql(builder, dataSource, static _ => { });

    /// <summary>Keeps every store in PostgreSQL at once, on a data source the app builds and owns (for its own pool
    /// settings, logging or authentication): the event store, snapshots and checkpoints, dead letters, saga
    /// instances and the idempotency inbox, in the schema <see cref="PostgreSqlOptions.Schema"/>.</summary>
    /// <typeparam name="TBuilder">The builder type, kept for chaining.</typeparam>
    /// <param name="builder">The bus builder.</param>
    /// <param name="dataSource">The data source; the app disposes it.</param>
    /// <param name="configure">Configures <see cref="PostgreSqlOptions"/>, such as
    /// <see cref="PostgreSqlOptions.Schema"/>.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/>, <paramref name="dataSource"/> or
    /// <paramref name="configure"/> is null.</exception>
    /// <exception cref="InvalidOperationException">PostgreSQL stores were already registered on another connection
    /// string or data source.</exception>
    public static TBuilder UsePostgreSql<TBuilder>(this TBuilder builder, NpgsqlDataSource dataSource, Action<PostgreSqlOptions> configure)
        where TBuilder : IEventBusBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(configure);
        AddDatabase(builder, new PostgreSqlRegistration(null, dataSource), configure);
        return builder;
    }

    private static void AddDatabase(IEventBusBuilder builder, PostgreSqlRegistration registration, Action<PostgreSqlOptions>? configure)
    {
        var services = builder.Services;
        var registered = services.LastOrDefault(d => d.ServiceType == typeof(PostgreSqlRegistration))?.ImplementationInstance as PostgreSqlRegistration;
        if (registered is not null && registered != registration)
        {
            throw new InvalidOperationException("The PostgreSQL stores of one service provider share one data source, and another connection string or data source was already registered; pass the same one to every UsePostgreSql call.");
        }

        if (registered is null)
        {
            services.AddSingleton(registration);
        }

        var options = services.AddOptions<PostgreSqlOptions>();
        if (registration.ConnectionString is { } connectionString)
        {
            options.Configure(o => o.ConnectionString = connectionString);
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PostgreSqlOptions>>(new PostgreSqlOptionsValidator(registration.DataSource is not null)));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        services.TryAddSingleton(CreateDatabase);
        services.TryAddSingleton<PostgreSqlJson>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, PostgreSqlDatabaseInitializer>());
        Replace<IEventStore, PostgreSqlEventStore>(services);
        Replace<ISnapshotStore, PostgreSqlSnapshotStore>(services);
        Replace<ICheckpointStore, PostgreSqlCheckpointStore>(services);
        Replace<IDeadLetterStore, PostgreSqlDeadLetterStore>(services);
        Replace<ISagaStore, PostgreSqlSagaStore>(services);
        Replace<IInbox, PostgreSqlInbox>(services);
        Replace<IProcessorLeaseStore, PostgreSqlProcessorLeaseStore>(services);
    }

    private static PostgreSqlDatabase CreateDatabase(IServiceProvider services)
    {
        var registration = services.GetRequiredService<PostgreSqlRegistration>();
        var options = services.GetRequiredService<IOptions<PostgreSqlOptions>>().Value;
        var timeProvider = services.GetRequiredService<TimeProvider>();
        var logger = services.GetRequiredService<ILogger<PostgreSqlDatabase>>();
        return registration.DataSource is { } dataSource
            ? new PostgreSqlDatabase(dataSource, ownsDataSource: false, options, timeProvider, logger)
            : new PostgreSqlDatabase(NpgsqlDataSource.Create(options.ConnectionString!), ownsDataSource: true, options, timeProvider, logger);
    }

    private static void Replace<TService, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TImplementation>(IServiceCollection services)
        where TService : class
        where TImplementation : class, TService
    {
        if (services.Any(d => d.ServiceType == typeof(TService) && d.ImplementationType == typeof(TImplementation)))
        {
            return;
        }

        // Whatever was registered (the in-memory default of an earlier AddEventStore) goes; a later AddEventStore
        // only adds its defaults when nothing is registered, so it keeps this one.
        services.RemoveAll<TService>();
        services.AddSingleton<TService, TImplementation>();
    }
}
