using System.Diagnostics.CodeAnalysis;
using EventBus.Sqlite.DependencyInjection;
using EventBus.Sqlite.EventStore;
using EventBus.Sqlite.EventStore.Checkpoints;
using EventBus.Sqlite.EventStore.Snapshots;
using EventBus.Sqlite.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EventBus;

/// <summary>Stores the bus's durable state in an embedded SQLite database.</summary>
/// <remarks>Each method replaces the matching store whether it runs before or after <c>AddEventStore</c> (which only
/// adds the in-memory stores when none is registered). All SQLite stores of one service provider share one
/// database file, one writer and its group commits.</remarks>
public static class SqliteEventBusBuilderExtensions
{
    /// <summary>Stores every durable store in SQLite at once: the event store, snapshots and checkpoints (so
    /// projections and the outbox resume after a restart). Add the event store features with
    /// <c>AddEventStore()</c>, before or after this call.</summary>
    /// <typeparam name="TBuilder">The builder type, kept for chaining.</typeparam>
    /// <param name="builder">The bus builder.</param>
    /// <param name="connectionString">The connection string, such as <c>Data Source=eventbus.db</c>; the file is
    /// created when missing.</param>
    /// <param name="configure">Configures <see cref="SqliteOptions"/>, such as
    /// <see cref="SqliteOptions.Synchronous"/>.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="connectionString"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">SQLite stores were already registered on another connection
    /// string.</exception>
    public static TBuilder UseSqlite<TBuilder>(this TBuilder builder, string connectionString, Action<SqliteOptions>? configure = null)
        where TBuilder : IEventBusBuilder
    {
        AddDatabase(builder, connectionString, configure);
        Replace<IEventStore, SqliteEventStore>(builder.Services);
        Replace<ISnapshotStore, SqliteSnapshotStore>(builder.Services);
        Replace<ICheckpointStore, SqliteCheckpointStore>(builder.Services);
        return builder;
    }

    /// <summary>Stores the events (streams and the global log) in SQLite, leaving the other stores as they are.</summary>
    /// <typeparam name="TBuilder">The builder type, kept for chaining.</typeparam>
    /// <param name="builder">The bus builder.</param>
    /// <param name="connectionString">The connection string, such as <c>Data Source=eventbus.db</c>.</param>
    /// <param name="configure">Configures <see cref="SqliteOptions"/>.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="connectionString"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">SQLite stores were already registered on another connection
    /// string.</exception>
    public static TBuilder UseSqliteEventStore<TBuilder>(this TBuilder builder, string connectionString, Action<SqliteOptions>? configure = null)
        where TBuilder : IEventBusBuilder
    {
        AddDatabase(builder, connectionString, configure);
        Replace<IEventStore, SqliteEventStore>(builder.Services);
        return builder;
    }

    /// <summary>Stores aggregate snapshots in SQLite, leaving the other stores as they are.</summary>
    /// <typeparam name="TBuilder">The builder type, kept for chaining.</typeparam>
    /// <param name="builder">The bus builder.</param>
    /// <param name="connectionString">The connection string, such as <c>Data Source=eventbus.db</c>.</param>
    /// <param name="configure">Configures <see cref="SqliteOptions"/>.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="connectionString"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">SQLite stores were already registered on another connection
    /// string.</exception>
    public static TBuilder UseSqliteSnapshotStore<TBuilder>(this TBuilder builder, string connectionString, Action<SqliteOptions>? configure = null)
        where TBuilder : IEventBusBuilder
    {
        AddDatabase(builder, connectionString, configure);
        Replace<ISnapshotStore, SqliteSnapshotStore>(builder.Services);
        return builder;
    }

    /// <summary>Stores projection and outbox checkpoints in SQLite, leaving the other stores as they are.</summary>
    /// <typeparam name="TBuilder">The builder type, kept for chaining.</typeparam>
    /// <param name="builder">The bus builder.</param>
    /// <param name="connectionString">The connection string, such as <c>Data Source=eventbus.db</c>.</param>
    /// <param name="configure">Configures <see cref="SqliteOptions"/>.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="connectionString"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">SQLite stores were already registered on another connection
    /// string.</exception>
    public static TBuilder UseSqliteCheckpointStore<TBuilder>(this TBuilder builder, string connectionString, Action<SqliteOptions>? configure = null)
        where TBuilder : IEventBusBuilder
    {
        AddDatabase(builder, connectionString, configure);
        Replace<ICheckpointStore, SqliteCheckpointStore>(builder.Services);
        return builder;
    }

    private static void AddDatabase(IEventBusBuilder builder, string connectionString, Action<SqliteOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var services = builder.Services;
        var registered = services.LastOrDefault(d => d.ServiceType == typeof(SqliteRegistration))?.ImplementationInstance as SqliteRegistration;
        if (registered is not null && !string.Equals(registered.ConnectionString, connectionString, StringComparison.Ordinal))
        {
            throw new InvalidOperationException("The SQLite stores of one service provider share one database, and another connection string was already registered; pass the same connection string to every UseSqlite* call.");
        }

        if (registered is null)
        {
            services.AddSingleton(new SqliteRegistration(connectionString));
        }

        var options = services.AddOptions<SqliteOptions>().Configure(o => o.ConnectionString = connectionString);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SqliteOptions>, SqliteOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        services.TryAddSingleton<SqliteDatabase>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SqliteDatabaseInitializer>());
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
