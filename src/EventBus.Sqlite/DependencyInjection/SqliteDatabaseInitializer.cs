using EventBus.Sqlite.Storage;
using Microsoft.Extensions.Hosting;

namespace EventBus.Sqlite.DependencyInjection;

/// <summary>Opens, validates and migrates the database when the host starts, so a wrong path or a foreign file
/// stops the start with a <see cref="SqliteDatabaseException"/> instead of failing the first append.</summary>
internal sealed class SqliteDatabaseInitializer(SqliteDatabase database) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        database.EnsureInitialized();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
