using EventBus.PostgreSql.Storage;
using Microsoft.Extensions.Hosting;

namespace EventBus.PostgreSql.DependencyInjection;

/// <summary>Creates or migrates the schema when the host starts, so an unreachable server or a schema from a newer
/// release stops the start instead of failing the first append.</summary>
internal sealed class PostgreSqlDatabaseInitializer(PostgreSqlDatabase database) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => database.EnsureInitializedAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
