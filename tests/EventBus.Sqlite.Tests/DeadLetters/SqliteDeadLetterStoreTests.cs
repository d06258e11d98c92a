using EventBus.Contracts.DeadLetters;
using EventBus.Sqlite.DeadLetters;
using EventBus.Sqlite.Tests.TestSupport;

namespace EventBus.Sqlite.Tests.DeadLetters;

public sealed class SqliteDeadLetterStoreTests : DeadLetterStoreContractTests, IDisposable
{
    private readonly TempDatabase _file = new();

    public void Dispose() => _file.Dispose();

    protected override IDeadLetterStore CreateStore() => new SqliteDeadLetterStore(_file.Open(), TestJson.Create());

    protected override ValueTask<bool> DamageAsync(string id, DeadLetterDamage damage)
    {
        using var connection = _file.OpenRaw();
        using var update = connection.CreateCommand();
        update.CommandText = damage switch
        {
            // The column and the document both name the type, as a row written by hand or by a faulty migration would.
            DeadLetterDamage.InvalidEventType => """
                UPDATE eventbus_dead_letters SET event_type = 'Order.Placed',
                    entry = CAST(json_set(CAST(entry AS TEXT), '$.event.type', 'Order.Placed') AS BLOB)
                WHERE id = $id
                """,
            _ => "UPDATE eventbus_dead_letters SET entry = CAST('{\"event\": {\"id\": ' AS BLOB) WHERE id = $id",
        };
        update.Parameters.AddWithValue("$id", id);
        return ValueTask.FromResult(update.ExecuteNonQuery() == 1);
    }
}
