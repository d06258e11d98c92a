using EventBus.PostgreSql.Serialization;
using Microsoft.Extensions.DependencyInjection;

namespace EventBus.PostgreSql.Tests.TestSupport;

/// <summary>The PostgreSQL stores' JSON codec wired the way <c>UsePostgreSql</c> wires it: the bus's event type
/// registry and the default event store serializer settings.</summary>
internal static class TestJson
{
    public static PostgreSqlJson Create(Action<IEventBusBuilder>? configure = null)
    {
        var services = new ServiceCollection();
        var builder = services.AddEventBus();
        configure?.Invoke(builder);
        services.AddSingleton<PostgreSqlJson>();
        return services.BuildServiceProvider().GetRequiredService<PostgreSqlJson>();
    }
}
