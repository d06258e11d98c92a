using EventBus.PostgreSql.EventStore.Checkpoints;
using EventBus.PostgreSql.EventStore.Leases;
using EventBus.PostgreSql.Tests.TestSupport;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace EventBus.PostgreSql.Tests.EventStore.Leases;

/// <summary>Processor leases on PostgreSQL: one holder at a time per processor, renewed by its holder, taken over
/// once expired (on the database clock) with a larger fencing token, checkpoint saves refused to a holder that lost
/// the lease, and released for an immediate takeover.</summary>
public sealed class PostgreSqlProcessorLeaseStoreTests : IAsyncDisposable
{
    private const string Name = "orders-view";
    private readonly TestSchema _schema = new();

    public ValueTask DisposeAsync() => _schema.DisposeAsync();

    [Fact]
    public async Task TryAcquire_FreeLease_IsGranted_AndAnotherInstanceIsRefused()
    {
        var (first, _) = Instance();
        var (second, _) = Instance();

        var lease = await first.TryAcquireAsync(Name);
        var refused = await second.TryAcquireAsync(Name);

        lease.Should().NotBeNull();
        lease!.Name.Should().Be(Name);
        lease.FencingToken.Should().Be(1);
        refused.Should().BeNull();
        (await HolderAsync(Name)).Should().Be(first.Holder);
    }

    [Fact]
    public async Task TryAcquire_LeasesOnDifferentProcessors_AreIndependent()
    {
        var (first, _) = Instance();
        var (second, _) = Instance();

        (await first.TryAcquireAsync("$outbox")).Should().NotBeNull();
        (await second.TryAcquireAsync(Name)).Should().NotBeNull();
    }

    [Fact]
    public async Task Renew_WhileHeld_ExtendsTheExpiry_AndKeepsOthersOut()
    {
        var (first, _) = Instance();
        var (second, _) = Instance();
        var lease = (await first.TryAcquireAsync(Name))!;
        var expiry = await ExpiresAtAsync(Name);

        (await lease.RenewAsync()).Should().BeTrue();

        (await ExpiresAtAsync(Name)).Should().BeAfter(expiry);
        (await second.TryAcquireAsync(Name)).Should().BeNull();
    }

    [Fact]
    public async Task TryAcquire_AfterTheHolderExpired_TakesOverWithALargerFencingToken_AndTheOldHolderCannotRenew()
    {
        var (first, _) = Instance();
        var (second, _) = Instance();
        var old = (await first.TryAcquireAsync(Name))!;

        await ExpireAsync(Name);
        var taken = await second.TryAcquireAsync(Name);

        taken.Should().NotBeNull();
        taken!.FencingToken.Should().Be(old.FencingToken + 1);
        (await HolderAsync(Name)).Should().Be(second.Holder);
        (await old.RenewAsync()).Should().BeFalse();
        (await taken.RenewAsync()).Should().BeTrue();
    }

    [Fact]
    public async Task SaveCheckpoint_ByTheHolder_IsStored()
    {
        var (store, checkpoints) = Instance();
        var lease = (await store.TryAcquireAsync(Name))!;

        await lease.SaveCheckpointAsync(41);
        await lease.SaveCheckpointAsync(42);

        (await checkpoints.LoadAsync(Name)).Should().Be(42);
    }

    [Fact]
    public async Task SaveCheckpoint_AfterATakeover_IsRefusedAndWritesNothing()
    {
        var (first, checkpoints) = Instance();
        var (second, _) = Instance();
        var old = (await first.TryAcquireAsync(Name))!;
        await old.SaveCheckpointAsync(10);
        await ExpireAsync(Name);
        var taken = (await second.TryAcquireAsync(Name))!;
        await taken.SaveCheckpointAsync(20);

        var stale = async () => await old.SaveCheckpointAsync(99);

        (await stale.Should().ThrowAsync<ProcessorLeaseLostException>())
            .Which.Should().Match<ProcessorLeaseLostException>(e => e.Name == Name && e.FencingToken == old.FencingToken);
        (await checkpoints.LoadAsync(Name)).Should().Be(20);
    }

    [Fact]
    public async Task SaveCheckpoint_AfterExpiryWithoutTakeover_IsRefused()
    {
        var (store, checkpoints) = Instance();
        var lease = (await store.TryAcquireAsync(Name))!;
        await lease.SaveCheckpointAsync(5);

        await ExpireAsync(Name);

        await FluentActions.Awaiting(async () => await lease.SaveCheckpointAsync(6)).Should().ThrowAsync<ProcessorLeaseLostException>();
        (await checkpoints.LoadAsync(Name)).Should().Be(5);
    }

    [Fact]
    public async Task Release_LetsAnotherInstanceTakeOverAtOnce_AndFencesTheReleasedHolding()
    {
        var (first, _) = Instance();
        var (second, _) = Instance();
        var old = (await first.TryAcquireAsync(Name))!;

        await old.ReleaseAsync();
        var taken = await second.TryAcquireAsync(Name);

        taken.Should().NotBeNull();
        taken!.FencingToken.Should().Be(old.FencingToken + 1);
        await FluentActions.Awaiting(async () => await old.SaveCheckpointAsync(1)).Should().ThrowAsync<ProcessorLeaseLostException>();
        await old.ReleaseAsync();
        (await HolderAsync(Name)).Should().Be(second.Holder, "releasing a lost holding does not free the new holder's lease");
    }

    [Fact]
    public async Task Renew_OnceTheDurationHasPassedOnThisSide_ReportsTheLeaseLost()
    {
        var time = new FakeTimeProvider();
        var (store, _) = Instance(time);
        var lease = (await store.TryAcquireAsync(Name))!;

        // The row has not expired on the database clock yet, but the holder must assume it may have.
        time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromTicks(1));

        (await lease.RenewAsync()).Should().BeFalse();
    }

    [Fact]
    public async Task TryAcquire_InvalidName_ThrowsNamingIt()
    {
        var (store, _) = Instance();

        await FluentActions.Awaiting(async () => await store.TryAcquireAsync(" ")).Should().ThrowAsync<ArgumentException>().WithParameterName("name");
        await FluentActions.Awaiting(async () => await store.TryAcquireAsync(new string('x', 256))).Should().ThrowAsync<ArgumentException>().WithParameterName("name");
    }

    [Fact]
    public async Task SaveCheckpoint_NegativePosition_Throws()
    {
        var (store, _) = Instance();
        var lease = (await store.TryAcquireAsync(Name))!;

        await FluentActions.Awaiting(async () => await lease.SaveCheckpointAsync(-1)).Should().ThrowAsync<ArgumentOutOfRangeException>();
    }

    /// <summary>One app instance: its own database (pool) on the shared schema, its lease store and checkpoints.</summary>
    private (PostgreSqlProcessorLeaseStore Leases, ICheckpointStore Checkpoints) Instance(TimeProvider? time = null)
    {
        var options = new PostgreSqlOptions { Schema = _schema.Name, LeaseDuration = TimeSpan.FromMinutes(1), LeaseRenewInterval = TimeSpan.FromSeconds(10) };
        var database = _schema.Open(o => o.Schema = _schema.Name, time);
        return (new PostgreSqlProcessorLeaseStore(database, Options.Create(options)), new PostgreSqlCheckpointStore(database));
    }

    /// <summary>Makes the lease lapse on the database clock, as if its holder had stopped renewing it a while ago.</summary>
    private async Task ExpireAsync(string name)
    {
        await using var connection = await _schema.OpenRawAsync();
        await using var command = new NpgsqlCommand($"UPDATE \"{_schema.Name}\".processor_leases SET expires_at = clock_timestamp() - interval '1 second' WHERE name = $1", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        (await command.ExecuteNonQueryAsync()).Should().Be(1);
    }

    private async Task<string?> HolderAsync(string name) => await ScalarAsync($"SELECT holder FROM \"{_schema.Name}\".processor_leases WHERE name = $1", name) as string;

    private async Task<DateTime> ExpiresAtAsync(string name) => (DateTime)(await ScalarAsync($"SELECT expires_at FROM \"{_schema.Name}\".processor_leases WHERE name = $1", name))!;

    private async Task<object?> ScalarAsync(string sql, string name)
    {
        await using var connection = await _schema.OpenRawAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        return await command.ExecuteScalarAsync();
    }
}
