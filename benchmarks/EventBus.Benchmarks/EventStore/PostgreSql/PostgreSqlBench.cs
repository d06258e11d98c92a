using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EventBus.Benchmarks.EventStore.PostgreSql;

/// <summary>What the PostgreSQL suites share: the server (from <c>EVENTBUS_PG_CONNECTION_STRING</c>), the schemas
/// each contender writes to, and the event they store.</summary>
public static class PostgreSqlBench
{
    public const string ConnectionStringVariable = "EVENTBUS_PG_CONNECTION_STRING";

    /// <summary>The schema of EventBus's PostgreSQL store in the append suite.</summary>
    public const string EventBusSchema = "bench_eventbus";

    /// <summary>The schema of the raw Npgsql reference's table.</summary>
    public const string RawSchema = "bench_raw";

    /// <summary>Marten's own schema (its <c>DatabaseSchemaName</c>).</summary>
    public const string MartenSchema = "bench_marten";

    /// <summary>The schema of the read suite's seeded EventBus store.</summary>
    public const string ReadSchema = "bench_read";

    /// <summary>The event every contender stores.</summary>
    public static readonly Transferred Payload = new(
        "account-000123", "account-000456", 125_050, "EUR", "INV-2026-000123", "monthly settlement, net 30 days, part 7 of 12",
        new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));

    /// <summary>The UTF-8 JSON of <see cref="Payload"/> (about 200 bytes), what EventBus and the raw reference store
    /// per event; Marten serializes <see cref="Payload"/> itself.</summary>
    public static readonly byte[] PayloadJson = JsonSerializer.SerializeToUtf8Bytes(Payload, new EventStoreOptions().JsonSerializerOptions);

    /// <summary>Gets the connection string, or null when the variable is not set.</summary>
    public static string? ConnectionString =>
        Environment.GetEnvironmentVariable(ConnectionStringVariable) is { Length: > 0 } value ? value : null;

    /// <summary>Gets the connection string, or throws with what to do when it is not set.</summary>
    public static string RequireConnectionString() =>
        ConnectionString ?? throw new InvalidOperationException(
            $"The PostgreSQL suites need {ConnectionStringVariable} (e.g. from `eval \"$(.ci/postgres-start.sh)\"`).");

    /// <summary>Drops <paramref name="schema"/> with everything in it, so a suite starts from an empty database.</summary>
    public static async Task DropSchemaAsync(NpgsqlDataSource dataSource, string schema)
    {
        await using var command = dataSource.CreateCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE");
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>EventBus's PostgreSQL store in <paramref name="schema"/>, built the way an app builds it, with
    /// publishing to the bus off so the store alone is measured.</summary>
    public static ServiceProvider BuildEventBus(string schema)
    {
        var services = new ServiceCollection();
        services.AddEventBus()
            .UsePostgreSql(RequireConnectionString(), o => o.Schema = schema)
            .AddEventStore(o => o.PublishToBus = false);
        return services.BuildServiceProvider();
    }

    /// <summary>A new event batch for EventBus's store: fresh time-ordered ids around the shared payload.</summary>
    public static EventData[] Batch(TimeOrderedIds ids, int size)
    {
        var batch = new EventData[size];
        for (var i = 0; i < batch.Length; i++)
        {
            batch[i] = new EventData(ids.Next(), TransferredType, PayloadJson);
        }

        return batch;
    }

    public const string TransferredType = "bench.transferred";
}

/// <summary>A money transfer: the domain event of the PostgreSQL suites, about 200 bytes of JSON (close to the ~210 B issue 13
/// measured with).</summary>
[EventType(PostgreSqlBench.TransferredType)]
public sealed record Transferred(string From, string To, long AmountCents, string Currency, string Reference, string Note, DateTimeOffset At);
