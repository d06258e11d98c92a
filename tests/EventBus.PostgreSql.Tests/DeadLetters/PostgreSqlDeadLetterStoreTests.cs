using EventBus.Contracts.DeadLetters;
using EventBus.PostgreSql.DeadLetters;
using EventBus.PostgreSql.Tests.TestSupport;

namespace EventBus.PostgreSql.Tests.DeadLetters;

public sealed class PostgreSqlDeadLetterStoreTests : DeadLetterStoreContractTests, IAsyncDisposable
{
    private readonly TestSchema _schema = new();

    public ValueTask DisposeAsync() => _schema.DisposeAsync();

    protected override IDeadLetterStore CreateStore() => new PostgreSqlDeadLetterStore(_schema.Open(), TestJson.Create());

    protected override async ValueTask<bool> DamageAsync(string id, DeadLetterDamage damage)
    {
        var table = $"\"{_schema.Name}\".dead_letters";
        var sql = damage switch
        {
            // The column and the document both name the type, as a row written by hand or by a faulty migration would.
            DeadLetterDamage.InvalidEventType =>
                "UPDATE " + table + " SET event_type = 'Order.Placed', " +
                "entry = convert_to(jsonb_set(convert_from(entry, 'UTF8')::jsonb, '{event,type}', '\"Order.Placed\"')::text, 'UTF8') WHERE id = $1",
            _ => "UPDATE " + table + " SET entry = convert_to('{\"event\": {\"id\": ', 'UTF8') WHERE id = $1",
        };
        await using var connection = await _schema.OpenRawAsync();
        await using var update = new Npgsql.NpgsqlCommand(sql, connection);
        update.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = id });
        return await update.ExecuteNonQueryAsync() == 1;
    }
}
