using System.Text;

namespace EventBus.Contracts.EventStore;

/// <summary>The behaviour every <see cref="ISnapshotStore"/> must have.</summary>
public abstract class SnapshotStoreContractTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Creates a new, empty store.</summary>
    protected abstract ISnapshotStore CreateStore();

    private static Snapshot Snap(string streamId, long version, int schema = 1, string data = "{}") =>
        new(streamId, version, schema, Encoding.UTF8.GetBytes(data), Now);

    [Fact]
    public async Task LoadAsync_NothingSaved_ReturnsNull()
    {
        var store = CreateStore();

        (await store.LoadAsync("order-1")).Should().BeNull();
    }

    [Fact]
    public async Task SaveAsync_ThenLoad_ReturnsTheSnapshotVerbatim()
    {
        var store = CreateStore();

        await store.SaveAsync(Snap("order-'1';--😀", 42, 3, "{\"total\":12.5}"));

        var loaded = await store.LoadAsync("order-'1';--😀");
        loaded.Should().NotBeNull();
        loaded!.StreamId.Should().Be("order-'1';--😀");
        loaded.StreamVersion.Should().Be(42);
        loaded.SchemaVersion.Should().Be(3);
        Encoding.UTF8.GetString(loaded.Data.Span).Should().Be("{\"total\":12.5}");
        loaded.Created.Should().Be(Now);
    }

    [Fact]
    public async Task SaveAsync_NewerVersion_ReplacesAndOlderVersionIsIgnored()
    {
        var store = CreateStore();

        await store.SaveAsync(Snap("s-1", 10, data: "{\"v\":10}"));
        await store.SaveAsync(Snap("s-1", 20, data: "{\"v\":20}"));
        await store.SaveAsync(Snap("s-1", 15, data: "{\"v\":15}"));

        var loaded = await store.LoadAsync("s-1");
        loaded!.StreamVersion.Should().Be(20);
        Encoding.UTF8.GetString(loaded.Data.Span).Should().Be("{\"v\":20}");
    }

    [Fact]
    public async Task SaveAsync_OtherSchemaVersion_ReplacesEvenWhenOlder()
    {
        var store = CreateStore();

        await store.SaveAsync(Snap("s-1", 20, schema: 1));
        await store.SaveAsync(Snap("s-1", 5, schema: 2));

        var loaded = await store.LoadAsync("s-1");
        loaded!.SchemaVersion.Should().Be(2);
        loaded.StreamVersion.Should().Be(5);
    }

    [Fact]
    public async Task SaveAsync_DifferentStreams_AreIndependentAndCaseSensitive()
    {
        var store = CreateStore();

        await store.SaveAsync(Snap("Order-1", 1));
        await store.SaveAsync(Snap("order-1", 2));

        (await store.LoadAsync("Order-1"))!.StreamVersion.Should().Be(1);
        (await store.LoadAsync("order-1"))!.StreamVersion.Should().Be(2);
    }

    [Fact]
    public async Task DeleteAsync_RemovesOnlyThatStreamsSnapshot()
    {
        var store = CreateStore();
        await store.SaveAsync(Snap("s-1", 1));
        await store.SaveAsync(Snap("s-2", 1));

        await store.DeleteAsync("s-1");
        await store.DeleteAsync("never-saved");

        (await store.LoadAsync("s-1")).Should().BeNull();
        (await store.LoadAsync("s-2")).Should().NotBeNull();
    }

    [Fact]
    public async Task LoadAsync_InvalidStreamId_IsRejected()
    {
        var store = CreateStore();

        var act = () => store.LoadAsync("").AsTask();

        await act.Should().ThrowAsync<ArgumentException>();
    }
}
