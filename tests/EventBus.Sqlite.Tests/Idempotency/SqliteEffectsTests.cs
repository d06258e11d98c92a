using EventBus.Sqlite.Idempotency;
using EventBus.Sqlite.Storage;
using EventBus.Sqlite.Tests.TestSupport;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace EventBus.Sqlite.Tests.Idempotency;

public sealed class SqliteEffectsTests : IDisposable
{
    private readonly TempDatabase _file = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _file.Dispose();

    [Fact]
    public async Task ApplyOnceAsync_FirstTime_WritesEffectAndInboxEntry()
    {
        var database = _file.Open();
        await CreateEffectsTableAsync(database);
        var effects = new SqliteEffects(database);

        var applied = await effects.ApplyOnceAsync("billing", "e1", tx => AddEffect(tx, "e1"), Ct);

        applied.Should().BeTrue();
        (await CountAsync(database, "SELECT COUNT(*) FROM effects WHERE event_id = 'e1'")).Should().Be(1);
        (await new SqliteInbox(database).ContainsAsync("billing", "e1", new IdempotencyWindow(null, null), Ct)).Should().BeTrue();
    }

    [Fact]
    public async Task ApplyOnceAsync_AlreadyRecorded_SkipsTheEffectAndReturnsFalse()
    {
        var database = _file.Open();
        await CreateEffectsTableAsync(database);
        var effects = new SqliteEffects(database);
        await effects.ApplyOnceAsync("billing", "e1", tx => AddEffect(tx, "e1"), Ct);
        var ran = false;

        var applied = await effects.ApplyOnceAsync("billing", "e1", tx => { ran = true; AddEffect(tx, "e1"); }, Ct);

        applied.Should().BeFalse();
        ran.Should().BeFalse();
        (await CountAsync(database, "SELECT COUNT(*) FROM effects")).Should().Be(1);
    }

    [Fact]
    public async Task ApplyOnceAsync_OtherConsumer_AppliesItsOwnEffect()
    {
        var database = _file.Open();
        await CreateEffectsTableAsync(database);
        var effects = new SqliteEffects(database);
        await effects.ApplyOnceAsync("billing", "e1", tx => AddEffect(tx, "e1"), Ct);

        (await effects.ApplyOnceAsync("shipping", "e1", tx => AddEffect(tx, "e1"), Ct)).Should().BeTrue();

        (await CountAsync(database, "SELECT COUNT(*) FROM effects")).Should().Be(2);
    }

    [Fact]
    public async Task ApplyOnceAsync_EffectThrows_WritesNeitherAndARetryApplies()
    {
        var database = _file.Open();
        await CreateEffectsTableAsync(database);
        var effects = new SqliteEffects(database);

        var failing = () => effects.ApplyOnceAsync("billing", "e1", tx => { AddEffect(tx, "e1"); throw new InvalidOperationException("boom"); }, Ct).AsTask();

        await failing.Should().ThrowAsync<InvalidOperationException>();
        (await CountAsync(database, "SELECT COUNT(*) FROM effects")).Should().Be(0);
        (await new SqliteInbox(database).ContainsAsync("billing", "e1", new IdempotencyWindow(null, null), Ct)).Should().BeFalse();
        (await effects.ApplyOnceAsync("billing", "e1", tx => AddEffect(tx, "e1"), Ct)).Should().BeTrue();
        (await CountAsync(database, "SELECT COUNT(*) FROM effects")).Should().Be(1);
    }

    [Fact]
    public async Task ApplyOnceAsync_ConcurrentSameId_RunsTheEffectOnce()
    {
        var database = _file.Open();
        await CreateEffectsTableAsync(database);
        var effects = new SqliteEffects(database);

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => effects.ApplyOnceAsync("billing", "e1", tx => AddEffect(tx, "e1"), Ct).AsTask())));

        results.Count(applied => applied).Should().Be(1);
        (await CountAsync(database, "SELECT COUNT(*) FROM effects")).Should().Be(1);
    }

    [Fact]
    public async Task UseSqlite_RegistersEffects_AndIdempotencyDropsTheRedeliveryOfAnAppliedEvent()
    {
        var services = new ServiceCollection();
        services.AddEventBus().UseSqlite(_file.ConnectionString).AddIdempotency();
        await using var provider = services.BuildServiceProvider();
        var effects = provider.GetRequiredService<ISqliteEffects>();
        var inbox = provider.GetRequiredService<IInbox>();
        await effects.ApplyOnceAsync("billing", "e1", tx =>
        {
            using var create = tx.Connection!.CreateCommand();
            create.Transaction = tx;
            create.CommandText = "CREATE TABLE effects (event_id TEXT NOT NULL)";
            create.ExecuteNonQuery();
        }, Ct);

        (await inbox.ContainsAsync("billing", "e1", new IdempotencyWindow(100, TimeSpan.FromHours(1)), Ct)).Should().BeTrue();
    }

    private static Task CreateEffectsTableAsync(SqliteDatabase database) =>
        database.WriteAsync(s => s.Command("CREATE TABLE effects (event_id TEXT NOT NULL)").ExecuteNonQuery(), Ct);

    private static Task<long> CountAsync(SqliteDatabase database, string sql) =>
        Task.FromResult(database.Read(s => (long)s.Command(sql).ExecuteScalar()!));

    private static void AddEffect(SqliteTransaction transaction, string eventId)
    {
        using var insert = transaction.Connection!.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO effects (event_id) VALUES ($event_id)";
        insert.Parameters.AddWithValue("$event_id", eventId);
        insert.ExecuteNonQuery();
    }
}
