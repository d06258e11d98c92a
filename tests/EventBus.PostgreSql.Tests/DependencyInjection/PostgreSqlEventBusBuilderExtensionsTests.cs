using EventBus.PostgreSql.DeadLetters;
using EventBus.PostgreSql.EventStore;
using EventBus.PostgreSql.EventStore.Checkpoints;
using EventBus.PostgreSql.EventStore.Leases;
using EventBus.PostgreSql.EventStore.Snapshots;
using EventBus.PostgreSql.Idempotency;
using EventBus.PostgreSql.Sagas;
using EventBus.PostgreSql.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EventBus.PostgreSql.Tests.DependencyInjection;

public sealed class PostgreSqlEventBusBuilderExtensionsTests : IAsyncDisposable
{
    private readonly TestSchema _schema = new();

    public ValueTask DisposeAsync() => _schema.DisposeAsync();

    [Fact]
    public async Task UsePostgreSql_BeforeAddEventStore_ReplacesEveryInMemoryStore()
    {
        var services = new ServiceCollection();
        services.AddEventBus().UsePostgreSql(_schema.ConnectionString, o => o.Schema = _schema.Name).AddEventStore();

        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });

        AssertPostgreSqlStores(provider);
    }

    [Fact]
    public async Task UsePostgreSql_AfterAddEventStoreAndTwice_ReplacesEveryInMemoryStoreOnce()
    {
        var services = new ServiceCollection();
        services.AddEventBus().AddEventStore()
            .UsePostgreSql(_schema.ConnectionString, o => o.Schema = _schema.Name)
            .UsePostgreSql(_schema.ConnectionString);

        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });

        AssertPostgreSqlStores(provider);
        services.Count(d => d.ServiceType == typeof(IEventStore)).Should().Be(1);
    }

    [Fact]
    public void UsePostgreSql_AnotherConnectionString_Throws()
    {
        var services = new ServiceCollection();
        var builder = services.AddEventBus().UsePostgreSql(_schema.ConnectionString);

        var act = () => builder.UsePostgreSql("Host=elsewhere;Username=x;Password=secret-password");

        act.Should().Throw<InvalidOperationException>().Which.Message.Should().NotContain("secret-password");
    }

    [Fact]
    public async Task UsePostgreSql_HostStart_CreatesTheSchemaAndTheStoresWork()
    {
        using var host = Host.CreateDefaultBuilder().ConfigureServices(services => services.AddEventBus()
                .AddEventStore()
                .UsePostgreSql(_schema.ConnectionString, o => o.Schema = _schema.Name))
            .Build();

        await host.StartAsync(TestContext.Current.CancellationToken);
        var store = host.Services.GetRequiredService<IEventStore>();
        var appended = await store.AppendAsync("order-1", ExpectedVersion.NoStream, [new EventData("e-1", "order.placed", "{}"u8.ToArray())], TestContext.Current.CancellationToken);
        await host.Services.GetRequiredService<ICheckpointStore>().SaveAsync("view", appended.Position, TestContext.Current.CancellationToken);
        await host.StopAsync(TestContext.Current.CancellationToken);

        appended.Should().Be(new AppendResult(1, 1));
        await using var connection = await _schema.OpenRawAsync();
        await using var command = new NpgsqlCommand($"SELECT (SELECT count(*) FROM \"{_schema.Name}\".events) + (SELECT position FROM \"{_schema.Name}\".checkpoints WHERE name = 'view')", connection);
        (await command.ExecuteScalarAsync(TestContext.Current.CancellationToken)).Should().Be(2L);
    }

    [Fact]
    public async Task UsePostgreSql_DataSource_IsUsedAndLeftToTheApp()
    {
        await using var dataSource = NpgsqlDataSource.Create(_schema.ConnectionString);
        var services = new ServiceCollection();
        services.AddEventBus().AddEventStore().UsePostgreSql(dataSource, o => o.Schema = _schema.Name);

        await using (var provider = services.BuildServiceProvider())
        {
            var store = provider.GetRequiredService<IEventStore>();
            await store.AppendAsync("s-1", ExpectedVersion.Any, [new EventData("e-1", "x.y", "{}"u8.ToArray())], TestContext.Current.CancellationToken);
        }

        // The provider is gone; the app's data source still works.
        await using var command = dataSource.CreateCommand($"SELECT count(*) FROM \"{_schema.Name}\".events");
        (await command.ExecuteScalarAsync(TestContext.Current.CancellationToken)).Should().Be(1L);
    }

    [Fact]
    public async Task UsePostgreSql_InvalidOptions_FailTheStartWithoutTheConnectionString()
    {
        var services = new ServiceCollection();
        services.AddEventBus().AddEventStore().UsePostgreSql("Host=localhost;Password=secret-password", o =>
        {
            o.Schema = "bad\"; DROP SCHEMA public; --";
            o.PollInterval = TimeSpan.Zero;
        });
        await using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IOptions<PostgreSqlOptions>>().Value;

        var failures = act.Should().Throw<OptionsValidationException>().Which.Failures.ToList();
        failures.Should().HaveCount(2);
        failures.Should().Contain(f => f.Contains("PostgreSql:Schema", StringComparison.Ordinal))
            .And.Contain(f => f.Contains("PostgreSql:PollInterval", StringComparison.Ordinal))
            .And.NotContain(f => f.Contains("secret-password", StringComparison.Ordinal));
    }

    private static void AssertPostgreSqlStores(IServiceProvider provider)
    {
        provider.GetRequiredService<IEventStore>().Should().BeOfType<PostgreSqlEventStore>();
        provider.GetRequiredService<ISnapshotStore>().Should().BeOfType<PostgreSqlSnapshotStore>();
        provider.GetRequiredService<ICheckpointStore>().Should().BeOfType<PostgreSqlCheckpointStore>();
        provider.GetRequiredService<IDeadLetterStore>().Should().BeOfType<PostgreSqlDeadLetterStore>();
        provider.GetRequiredService<ISagaStore>().Should().BeOfType<PostgreSqlSagaStore>();
        provider.GetRequiredService<IInbox>().Should().BeOfType<PostgreSqlInbox>();
        provider.GetRequiredService<IProcessorLeaseStore>().Should().BeOfType<PostgreSqlProcessorLeaseStore>();
    }
}
