using System.Text.Json;

namespace EventBus.Benchmarks.EventStore;

/// <summary>The event the event-store suites store: a small JSON payload, the shape of a typical domain event.</summary>
[EventType(StoreEvents.DepositedType)]
public sealed record Deposited(long Amount, string Account);

/// <summary>Aggregate state for the load suite: a running total, rebuilt by <see cref="Evolve"/> from <see cref="Deposited"/> events.</summary>
public sealed record Counter(long Total, long Deposits)
{
    public static Counter Initial() => new(0, 0);

    public static Counter Evolve(Counter state, object @event) =>
        @event is Deposited d ? new Counter(state.Total + d.Amount, state.Deposits + 1) : state;
}

/// <summary>Building blocks shared by the event-store suites.</summary>
public static class StoreEvents
{
    public const string DepositedType = "bench.deposited";

    /// <summary>The UTF-8 JSON of one <see cref="Deposited"/> event (about 40 bytes), shared by every <see cref="EventData"/>.</summary>
    public static readonly ReadOnlyMemory<byte> DepositedJson =
        JsonSerializer.SerializeToUtf8Bytes(new Deposited(100, "account-0001"), new EventStoreOptions().JsonSerializerOptions);

    /// <summary>A batch of <paramref name="size"/> new events with fresh time-ordered ids and the shared payload.</summary>
    public static EventData[] Batch(TimeOrderedIds ids, int size)
    {
        var batch = new EventData[size];
        for (var i = 0; i < batch.Length; i++)
        {
            batch[i] = new EventData(ids.Next(), DepositedType, DepositedJson);
        }

        return batch;
    }
}
