using EventBus.Sqlite.DeadLetters;
using EventBus.Sqlite.EventStore;
using EventBus.Sqlite.Idempotency;
using EventBus.Sqlite.Sagas;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EventBus.Sqlite.Tests.Readme;

/// <summary>The README's "Durability with SQLite" example compiles (it is the code between the markers below) and
/// registers every SQLite store.</summary>
public sealed class ReadmeSqliteExampleTests
{
    [Fact]
    public async Task Example_RegistersTheSqliteStores_AndIsTheReadmeText()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());

        // README:start
        builder.Services.AddEventBus()
            .UseSqlite("Data Source=eventbus.db", o => o.Synchronous = SqliteSynchronousMode.Full)
            .AddEventStore()
            .AddEventType<OrderPlaced>();
        // README:end

        using var host = builder.Build();
        host.Services.GetRequiredService<IEventStore>().Should().BeOfType<SqliteEventStore>();
        host.Services.GetRequiredService<IDeadLetterStore>().Should().BeOfType<SqliteDeadLetterStore>();
        host.Services.GetRequiredService<ISagaStore>().Should().BeOfType<SqliteSagaStore>();
        host.Services.GetRequiredService<IInbox>().Should().BeOfType<SqliteInbox>();
        var root = RepositoryRoot();
        var source = await File.ReadAllLinesAsync(Path.Combine(root, "tests", "EventBus.Sqlite.Tests", "Readme", "ReadmeSqliteExampleTests.cs"));
        var example = source.SkipWhile(l => !l.Contains("// README:start", StringComparison.Ordinal)).Skip(1)
            .TakeWhile(l => !l.Contains("// README:end", StringComparison.Ordinal)).Select(l => l.Length >= 8 ? l[8..] : l.Trim());
        var readme = (await File.ReadAllTextAsync(Path.Combine(root, "README.md"))).ReplaceLineEndings("\n");
        var section = readme[readme.IndexOf("## Durability with SQLite", StringComparison.Ordinal)..];
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
