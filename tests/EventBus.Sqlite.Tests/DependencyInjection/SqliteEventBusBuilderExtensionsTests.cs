using EventBus.Sqlite.CrashHost;
using EventBus.Sqlite.DeadLetters;
using EventBus.Sqlite.EventStore;
using EventBus.Sqlite.EventStore.Checkpoints;
using EventBus.Sqlite.EventStore.Snapshots;
using EventBus.Sqlite.Idempotency;
using EventBus.Sqlite.Sagas;
using EventBus.Sqlite.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EventBus.Sqlite.Tests.DependencyInjection;

public sealed class SqliteEventBusBuilderExtensionsTests : IDisposable
{
    private readonly TempDatabase _file = new();

    public void Dispose() => _file.Dispose();

    [Fact]
    public async Task UseSqlite_BeforeAddEventStore_ReplacesEveryInMemoryStore()
    {
        var services = new ServiceCollection();
        services.AddEventBus().UseSqlite(_file.ConnectionString).AddEventStore();

        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });

        AssertSqliteStores(services, provider);
    }

    [Fact]
    public async Task UseSqlite_AfterAddEventStore_ReplacesEveryInMemoryStore()
    {
        var services = new ServiceCollection();
        services.AddEventBus().AddEventStore().AddEventType<CrashEvent>().UseSqlite(_file.ConnectionString).UseSqlite(_file.ConnectionString);

        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });

        AssertSqliteStores(services, provider);
    }

    [Fact]
    public async Task UseSqliteCheckpointStore_ReplacesOnlyTheCheckpointStore()
    {
        var services = new ServiceCollection();
        services.AddEventBus().AddEventStore().UseSqliteCheckpointStore(_file.ConnectionString);

        await using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<ICheckpointStore>().Should().BeOfType<SqliteCheckpointStore>();
        provider.GetRequiredService<IEventStore>().GetType().Name.Should().Be("InMemoryEventStore");
        provider.GetRequiredService<ISnapshotStore>().GetType().Name.Should().Be("InMemorySnapshotStore");
    }

    [Fact]
    public async Task UseSqliteEventStoreAndSnapshotStore_ShareOneDatabase()
    {
        var services = new ServiceCollection();
        services.AddEventBus().UseSqliteEventStore(_file.ConnectionString, o => o.Synchronous = SqliteSynchronousMode.Normal)
            .UseSqliteSnapshotStore(_file.ConnectionString).AddEventStore();

        await using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<IEventStore>().Should().BeOfType<SqliteEventStore>();
        provider.GetRequiredService<ISnapshotStore>().Should().BeOfType<SqliteSnapshotStore>();
        provider.GetRequiredService<ICheckpointStore>().GetType().Name.Should().Be("InMemoryCheckpointStore");
        provider.GetRequiredService<IOptions<SqliteOptions>>().Value.Synchronous.Should().Be(SqliteSynchronousMode.Normal);
    }

    [Fact]
    public async Task UseSqliteDeadLetterStoreSagaStoreAndInbox_EachReplacesOnlyItsStore()
    {
        var services = new ServiceCollection();
        services.AddEventBus().UseSqliteDeadLetterStore(_file.ConnectionString).AddEventStore();
        var sagas = new ServiceCollection();
        sagas.AddEventBus().UseSqliteSagaStore(_file.ConnectionString);
        var inbox = new ServiceCollection();
        inbox.AddEventBus().UseSqliteInbox(_file.ConnectionString);

        await using var first = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        await using var second = sagas.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        await using var third = inbox.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });

        first.GetRequiredService<IDeadLetterStore>().Should().BeOfType<SqliteDeadLetterStore>();
        first.GetRequiredService<IInbox>().GetType().Name.Should().Be("InMemoryInbox");
        first.GetRequiredService<IEventStore>().GetType().Name.Should().Be("InMemoryEventStore");
        second.GetRequiredService<ISagaStore>().Should().BeOfType<SqliteSagaStore>();
        second.GetRequiredService<IDeadLetterStore>().GetType().Name.Should().Be("InMemoryDeadLetterStore");
        third.GetRequiredService<IInbox>().Should().BeOfType<SqliteInbox>();
        third.GetRequiredService<IDeadLetterStore>().GetType().Name.Should().Be("InMemoryDeadLetterStore");
    }

    [Fact]
    public async Task UseSqlite_BeforeAddSaga_KeepsTheSqliteSagaStore()
    {
        var services = new ServiceCollection();
        services.AddEventBus().UseSqlite(_file.ConnectionString).AddSaga<Sagas.CountingSaga, Sagas.CountingState>();

        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });

        provider.GetRequiredService<ISagaStore>().Should().BeOfType<SqliteSagaStore>();
        services.Count(d => d.ServiceType == typeof(ISagaStore)).Should().Be(1);
    }

    [Fact]
    public void UseSqlite_TwoDifferentConnectionStrings_IsRejected()
    {
        var builder = new ServiceCollection().AddEventBus().UseSqliteEventStore(_file.ConnectionString);

        var act = () => builder.UseSqliteCheckpointStore("Data Source=other.db");

        act.Should().Throw<InvalidOperationException>().WithMessage("*share one database*");
    }

    [Fact]
    public void UseSqlite_EmptyConnectionString_IsRejected()
    {
        var act = () => new ServiceCollection().AddEventBus().UseSqlite(" ");

        act.Should().Throw<ArgumentException>();
    }

    [Fact]
    public async Task HostStart_FileIsNotAnEventBusDatabase_FailsWithTheTypedError()
    {
        await File.WriteAllTextAsync(_file.Path, "not a database");
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddEventBus().UseSqlite(_file.ConnectionString).AddEventStore();
        using var host = builder.Build();

        var act = () => host.StartAsync();

        (await act.Should().ThrowAsync<SqliteDatabaseException>()).Which.Error.Should().Be(SqliteDatabaseError.NotADatabase);
    }

    [Fact]
    public async Task HostStart_InMemoryConnectionString_FailsOptionsValidation()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddEventBus().UseSqlite("Data Source=:memory:").AddEventStore();
        using var host = builder.Build();

        var act = () => host.StartAsync();

        (await act.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain("in-memory");
    }

    [Fact]
    public async Task Outbox_AppendedButNotPublished_IsPublishedByTheNextProcessAndCheckpointed()
    {
        // Process 1 appends and stops before its outbox ran (the host is never started).
        var first = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        first.Services.AddEventBus().UseSqlite(_file.ConnectionString).AddEventStore().AddEventType<CrashEvent>();
        using (var crashed = first.Build())
        {
            await crashed.Services.GetRequiredService<IEventStreams>().AppendAsync("order-1", ExpectedVersion.NoStream, [new CrashEvent("b", 0, 2), new CrashEvent("b", 1, 2)]);
        }

        var second = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        second.Services.AddEventBus().UseSqlite(_file.ConnectionString).AddEventStore().AddEventType<CrashEvent>();
        using var restarted = second.Build();
        var received = new Recorder<Event<CrashEvent>>();
        restarted.Services.GetRequiredService<IEventBus>().Subscribe<CrashEvent>(e => received.Add(e));
        await restarted.StartAsync();
        await received.WaitForAsync(2);
        await restarted.StopAsync();

        received.Items.Select(e => e.Payload.Index).Should().Equal(0, 1);
        (await restarted.Services.GetRequiredService<ICheckpointStore>().LoadAsync("$outbox")).Should().Be(2);
    }

    private static void AssertSqliteStores(ServiceCollection services, ServiceProvider provider)
    {
        provider.GetRequiredService<IEventStore>().Should().BeOfType<SqliteEventStore>();
        provider.GetRequiredService<ISnapshotStore>().Should().BeOfType<SqliteSnapshotStore>();
        provider.GetRequiredService<ICheckpointStore>().Should().BeOfType<SqliteCheckpointStore>();
        provider.GetRequiredService<IDeadLetterStore>().Should().BeOfType<SqliteDeadLetterStore>();
        provider.GetRequiredService<ISagaStore>().Should().BeOfType<SqliteSagaStore>();
        provider.GetRequiredService<IInbox>().Should().BeOfType<SqliteInbox>();
        services.Count(d => d.ServiceType == typeof(IEventStore)).Should().Be(1);
        services.Count(d => d.ServiceType == typeof(IDeadLetterStore)).Should().Be(1);
        services.Count(d => d.ServiceType == typeof(ISagaStore)).Should().Be(1);
        services.Count(d => d.ServiceType == typeof(IInbox)).Should().Be(1);
        services.Count(d => d.ServiceType == typeof(ISnapshotStore)).Should().Be(1);
        services.Count(d => d.ServiceType == typeof(ICheckpointStore)).Should().Be(1);
        services.Count(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.Name == "SqliteDatabaseInitializer").Should().Be(1);
    }
}
