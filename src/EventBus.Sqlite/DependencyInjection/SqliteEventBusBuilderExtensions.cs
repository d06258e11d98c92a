using System.Diagnostics.CodeAnalysis;
using EventBus.Sqlite.DeadLetters;
using EventBus.Sqlite.DependencyInjection;
using EventBus.Sqlite.EventStore;
using EventBus.Sqlite.EventStore.Checkpoints;
using EventBus.Sqlite.EventStore.Snapshots;
using EventBus.Sqlite.Idempotency;
using EventBus.Sqlite.Sagas;
using EventBus.Sqlite.Serialization;
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
    /// <summary>Keeps every store in SQLite at once: the event store, snapshots and checkpoints (so projections and
    /// the outbox resume after a restart), dead letters (redrivable after a restart), saga instances and the
    /// idempotency inbox (with <see cref="ISqliteEffects"/>, for handler effects written once with their inbox entry).
    /// Add the event store features with <c>AddEventStore()</c>, before or after this call.</summary>
    /// <remarks>Event payloads kept in dead letters and saga instances, and saga state, are JSON written with
    /// <see cref="EventStoreOptions.JsonSerializerOptions"/>. A payload is read back as the type the event type
    /// registry maps its event type name to; a name it does not know comes back as a
    /// <see cref="System.Text.Json.JsonElement"/> holding the stored JSON unchanged (never a CLR type resolved from
    /// the stored name), so register the event types with <c>AddEventType</c>.</remarks>
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
        Replace<IDeadLetterStore, SqliteDeadLetterStore>(builder.Services);
        Replace<ISagaStore, SqliteSagaStore>(builder.Services);
        Replace<IInbox, SqliteInbox>(builder.Services);
        builder.Services.TryAddSingleton<ISqliteEffects, SqliteEffects>();
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

    /// <summary>Stores dead letters in SQLite, leaving the other stores as they are: they survive restarts and can be
    /// redriven later. Unlike the in-memory store it keeps every entry (no capacity) until it is redriven or
    /// deleted.</summary>
    /// <typeparam name="TBuilder">The builder type, kept for chaining.</typeparam>
    /// <param name="builder">The bus builder.</param>
    /// <param name="connectionString">The connection string, such as <c>Data Source=eventbus.db</c>.</param>
    /// <param name="configure">Configures <see cref="SqliteOptions"/>.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="connectionString"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">SQLite stores were already registered on another connection
    /// string.</exception>
    public static TBuilder UseSqliteDeadLetterStore<TBuilder>(this TBuilder builder, string connectionString, Action<SqliteOptions>? configure = null)
        where TBuilder : IEventBusBuilder
    {
        AddDatabase(builder, connectionString, configure);
        Replace<IDeadLetterStore, SqliteDeadLetterStore>(builder.Services);
        return builder;
    }

    /// <summary>Stores saga instances in SQLite (optimistic concurrency across processes sharing the file), leaving
    /// the other stores as they are.</summary>
    /// <typeparam name="TBuilder">The builder type, kept for chaining.</typeparam>
    /// <param name="builder">The bus builder.</param>
    /// <param name="connectionString">The connection string, such as <c>Data Source=eventbus.db</c>.</param>
    /// <param name="configure">Configures <see cref="SqliteOptions"/>.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="connectionString"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">SQLite stores were already registered on another connection
    /// string.</exception>
    public static TBuilder UseSqliteSagaStore<TBuilder>(this TBuilder builder, string connectionString, Action<SqliteOptions>? configure = null)
        where TBuilder : IEventBusBuilder
    {
        AddDatabase(builder, connectionString, configure);
        Replace<ISagaStore, SqliteSagaStore>(builder.Services);
        return builder;
    }

    /// <summary>Keeps the idempotency inbox (the handled event ids of each subscription) in SQLite, so redeliveries
    /// are still dropped after a restart; leaves the other stores as they are. Turn duplicate suppression on with
    /// <c>AddIdempotency()</c>. Also registers <see cref="ISqliteEffects"/>, which writes a handler's effect and its
    /// inbox entry in one transaction.</summary>
    /// <typeparam name="TBuilder">The builder type, kept for chaining.</typeparam>
    /// <param name="builder">The bus builder.</param>
    /// <param name="connectionString">The connection string, such as <c>Data Source=eventbus.db</c>.</param>
    /// <param name="configure">Configures <see cref="SqliteOptions"/>.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="connectionString"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">SQLite stores were already registered on another connection
    /// string.</exception>
    public static TBuilder UseSqliteInbox<TBuilder>(this TBuilder builder, string connectionString, Action<SqliteOptions>? configure = null)
        where TBuilder : IEventBusBuilder
    {
        AddDatabase(builder, connectionString, configure);
        Replace<IInbox, SqliteInbox>(builder.Services);
        builder.Services.TryAddSingleton<ISqliteEffects, SqliteEffects>();
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
        services.TryAddSingleton<SqliteJson>();
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
