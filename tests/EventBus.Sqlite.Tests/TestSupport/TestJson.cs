using EventBus.Sqlite.Serialization;
using Microsoft.Extensions.DependencyInjection;

namespace EventBus.Sqlite.Tests.TestSupport;

/// <summary>The SQLite stores' JSON codec wired the way <c>UseSqlite</c> wires it: the bus's event type registry and
/// the default event store serializer settings.</summary>
internal static class TestJson
{
    public static SqliteJson Create(Action<IEventBusBuilder>? configure = null)
    {
        var services = new ServiceCollection();
        var builder = services.AddEventBus();
        configure?.Invoke(builder);
        services.AddSingleton<SqliteJson>();
        return services.BuildServiceProvider().GetRequiredService<SqliteJson>();
    }
}
