using EventBus.PostgreSql.DeadLetters;
using EventBus.PostgreSql.EventStore;
using EventBus.PostgreSql.EventStore.Checkpoints;
using EventBus.PostgreSql.EventStore.Snapshots;
using EventBus.PostgreSql.Idempotency;
using EventBus.PostgreSql.Sagas;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EventBus.PostgreSql.Tests.Readme;

/// <summary>The README's "PostgreSQL" example compiles (it is the code between the markers below) and registers
/// every PostgreSQL store. Needs no server: the host is built, not started.</summary>
public sealed class ReadmePostgreSqlExampleTests
{
    [Fact]
    public async Task Example_RegistersThePostgreSqlStores_AndIsTheReadmeText()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration["ConnectionStrings:EventBus"] = "Host=localhost;Database=app;Username=app;Password=app";

        // README:start
        builder.Services.AddEventBus()
            .UsePostgreSql(builder.Configuration.GetConnectionString("EventBus")!, o => o.Schema = "eventbus")
            .AddEventStore()
            .AddEventType<OrderPlaced>();

        // or on a data source the app builds and disposes itself:
        // .UsePostgreSql(dataSource, o => o.Schema = "eventbus")
        // README:end

        using var host = builder.Build();
        host.Services.GetRequiredService<IEventStore>().Should().BeOfType<PostgreSqlEventStore>();
        host.Services.GetRequiredService<ISnapshotStore>().Should().BeOfType<PostgreSqlSnapshotStore>();
        host.Services.GetRequiredService<ICheckpointStore>().Should().BeOfType<PostgreSqlCheckpointStore>();
        host.Services.GetRequiredService<IDeadLetterStore>().Should().BeOfType<PostgreSqlDeadLetterStore>();
        host.Services.GetRequiredService<ISagaStore>().Should().BeOfType<PostgreSqlSagaStore>();
        host.Services.GetRequiredService<IInbox>().Should().BeOfType<PostgreSqlInbox>();
        host.Services.GetRequiredService<IOptions<PostgreSqlOptions>>().Value.Schema.Should().Be("eventbus");

        var root = RepositoryRoot();
        var source = await File.ReadAllLinesAsync(Path.Combine(root, "tests", "EventBus.PostgreSql.Tests", "Readme", "ReadmePostgreSqlExampleTests.cs"), TestContext.Current.CancellationToken);
        var example = source.SkipWhile(l => !l.Contains("// README:start", StringComparison.Ordinal)).Skip(1)
            .TakeWhile(l => !l.Contains("// README:end", StringComparison.Ordinal)).Select(l => l.Length >= 8 ? l[8..] : l.Trim());
        var readme = (await File.ReadAllTextAsync(Path.Combine(root, "README.md"), TestContext.Current.CancellationToken)).ReplaceLineEndings("\n");
        var section = readme[readme.IndexOf("## PostgreSQL", StringComparison.Ordinal)..];
        var codeStart = section.IndexOf("```csharp\n", StringComparison.Ordinal) + "```csharp\n".Length;
        section[codeStart..section.IndexOf("```", codeStart, StringComparison.Ordinal)].Should().Be(string.Join("\n", example) + "\n");
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "EventBus.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("EventBus.sln not found above the test directory.");
    }

    [EventType("order.placed")]
    public sealed record OrderPlaced(string OrderId);
}
