using EventBus.PostgreSql.EventStore;
using EventBus.PostgreSql.Storage;
using EventBus.PostgreSql.Tests.TestSupport;
using Npgsql;

namespace EventBus.PostgreSql.Tests.Storage;

public sealed class PostgreSqlDatabaseTests : IAsyncDisposable
{
    private readonly TestSchema _schema = new();

    public ValueTask DisposeAsync() => _schema.DisposeAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EnsureInitializedAsync_ManyInstancesAtOnce_CreateTheSchemaOnceAtTheLatestVersion()
    {
        var databases = Enumerable.Range(0, 6).Select(_ => _schema.Open()).ToList();

        await Task.WhenAll(databases.Select(d => d.EnsureInitializedAsync(Ct)));
        await databases[0].EnsureInitializedAsync(Ct);

        var versions = await ScalarListAsync($"SELECT version FROM \"{_schema.Name}\".schema_version ORDER BY version");
        versions.Should().Equal(PostgreSqlSchema.Migrations.Select(m => (object)m.Version));
    }

    [Fact]
    public async Task EnsureInitializedAsync_SchemaOfANewerRelease_FailsWithAClearMessage()
    {
        await _schema.Open().EnsureInitializedAsync(Ct);
        await ExecuteAsync($"INSERT INTO \"{_schema.Name}\".schema_version VALUES (99, 'from the future', 0)");

        var act = () => _schema.Open().EnsureInitializedAsync(Ct);

        (await act.Should().ThrowAsync<InvalidOperationException>()).Which.Message
            .Should().Contain("schema version 99").And.Contain("Upgrade the EventBus.PostgreSql package");
    }

    [Fact]
    public async Task EnsureInitializedAsync_OlderSchema_IsMigratedForward()
    {
        await _schema.Open(migrations: [PostgreSqlSchema.Migrations[0]]).EnsureInitializedAsync(Ct);

        await _schema.Open().EnsureInitializedAsync(Ct);

        (await ScalarListAsync($"SELECT version FROM \"{_schema.Name}\".schema_version ORDER BY version")).Should().Equal(PostgreSqlSchema.Migrations.Select(m => (object)m.Version));
        (await ScalarListAsync($"SELECT to_regclass('\"{_schema.Name}\".sagas') IS NOT NULL")).Should().Equal(true);
    }

    [Fact]
    public async Task Schema_MixedCaseName_IsQuotedAndKeptApartFromItsLowerCaseTwin()
    {
        var upper = _schema.Open(o => o.Schema = _schema.Name.ToUpperInvariant().Replace("EB_TEST_", "Eb_Test_", StringComparison.Ordinal));
        var lower = _schema.Open();
        try
        {
            await new PostgreSqlEventStore(upper).AppendAsync("s", ExpectedVersion.Any, [new EventData("e-1", "x.y", "{}"u8.ToArray())], Ct);
            await new PostgreSqlEventStore(lower).AppendAsync("s", ExpectedVersion.Any, [new EventData("e-2", "x.y", "{}"u8.ToArray())], Ct);

            (await new PostgreSqlEventStore(upper).GetHeadPositionAsync(Ct)).Should().Be(1);
            (await new PostgreSqlEventStore(lower).GetHeadPositionAsync(Ct)).Should().Be(1);
        }
        finally
        {
            await ExecuteAsync($"DROP SCHEMA IF EXISTS \"{upper.SchemaName}\" CASCADE");
        }
    }

    [Fact]
    public async Task EventsTable_StreamAndVersion_AreUniqueEvenForWritesAroundTheStore()
    {
        var database = _schema.Open();
        await new PostgreSqlEventStore(database).AppendAsync("s-1", ExpectedVersion.NoStream, [new EventData("e-1", "x.y", "{}"u8.ToArray())], Ct);

        var act = () => ExecuteAsync($"""
            INSERT INTO "{_schema.Name}".events (position, stream_key, stream_version, event_id, event_type, data_version, data, metadata, recorded_ticks)
            SELECT 2, stream_key, 1, 'e-2', 'x.y', '1.0', '', '', 0 FROM "{_schema.Name}".streams WHERE stream_id = 's-1'
            """);

        (await act.Should().ThrowAsync<PostgresException>()).Which.ConstraintName.Should().Be("events_stream_version_key");
    }

    private async Task ExecuteAsync(string sql)
    {
        var connection = await _schema.OpenRawAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }

    private async Task<List<object>> ScalarListAsync(string sql)
    {
        var connection = await _schema.OpenRawAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var values = new List<object>();
        while (await reader.ReadAsync(Ct))
        {
            values.Add(reader.GetValue(0));
        }

        return values;
    }
}
