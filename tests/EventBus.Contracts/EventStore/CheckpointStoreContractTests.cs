namespace EventBus.Contracts.EventStore;

/// <summary>The behaviour every <see cref="ICheckpointStore"/> must have.</summary>
public abstract class CheckpointStoreContractTests
{
    /// <summary>Creates a new, empty store.</summary>
    protected abstract ICheckpointStore CreateStore();

    [Fact]
    public async Task LoadAsync_NothingSaved_ReturnsNull()
    {
        var store = CreateStore();

        (await store.LoadAsync("orders-view")).Should().BeNull();
    }

    [Fact]
    public async Task SaveAsync_ThenLoad_ReturnsLastSavedPosition()
    {
        var store = CreateStore();

        await store.SaveAsync("orders-view", 0);
        (await store.LoadAsync("orders-view")).Should().Be(0);
        await store.SaveAsync("orders-view", 17);
        await store.SaveAsync("orders-view", long.MaxValue - 1);

        (await store.LoadAsync("orders-view")).Should().Be(long.MaxValue - 1);
    }

    [Fact]
    public async Task SaveAsync_LowerPosition_ReplacesForRebuilds()
    {
        var store = CreateStore();
        await store.SaveAsync("orders-view", 100);

        await store.SaveAsync("orders-view", 0);

        (await store.LoadAsync("orders-view")).Should().Be(0);
    }

    [Fact]
    public async Task SaveAsync_DifferentNames_AreIndependentAndVerbatim()
    {
        var store = CreateStore();

        await store.SaveAsync("$outbox", 5);
        await store.SaveAsync("view 'a';--", 6);
        await store.SaveAsync("View 'a';--", 7);

        (await store.LoadAsync("$outbox")).Should().Be(5);
        (await store.LoadAsync("view 'a';--")).Should().Be(6);
        (await store.LoadAsync("View 'a';--")).Should().Be(7);
    }

    [Fact]
    public async Task DeleteAsync_RemovesTheCheckpoint()
    {
        var store = CreateStore();
        await store.SaveAsync("orders-view", 9);

        await store.DeleteAsync("orders-view");
        await store.DeleteAsync("never-saved");

        (await store.LoadAsync("orders-view")).Should().BeNull();
    }

    [Fact]
    public async Task SaveAsync_InvalidArguments_AreRejected()
    {
        var store = CreateStore();

        var negative = () => store.SaveAsync("orders-view", -1).AsTask();
        var empty = () => store.SaveAsync("", 1).AsTask();
        var tooLong = () => store.SaveAsync(new string('n', 256), 1).AsTask();

        await negative.Should().ThrowAsync<ArgumentOutOfRangeException>();
        await empty.Should().ThrowAsync<ArgumentException>();
        await tooLong.Should().ThrowAsync<ArgumentException>();
    }
}
