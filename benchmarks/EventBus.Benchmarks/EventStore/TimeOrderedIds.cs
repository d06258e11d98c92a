using System.Buffers.Binary;

namespace EventBus.Benchmarks.EventStore;

/// <summary>
/// Time-ordered (UUIDv7-layout) event ids without a system call per id: the 48-bit Unix-millisecond timestamp and 26
/// random bits are taken once, the remaining 48 bits count up. Consecutive ids sort after each other, as
/// <see cref="Guid.CreateVersion7()"/> ids do, so SQLite's unique index on the event id is appended to at its end
/// (random v4 ids would scatter the inserts over the whole index).
/// </summary>
public sealed class TimeOrderedIds
{
    private readonly ulong _high;
    private readonly ushort _randomA;
    private ulong _counter;

    public TimeOrderedIds()
    {
        var milliseconds = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        _high = (milliseconds << 16) | 0x7000UL | (uint)Random.Shared.Next(0, 0x1000);
        _randomA = (ushort)Random.Shared.Next(0, 0x4000);
    }

    /// <summary>The next id (thread-safe), as the "D" string (36 characters) that <see cref="EventData.EventId"/> holds.</summary>
    public string Next()
    {
        var counter = Interlocked.Increment(ref _counter);
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, _high);
        // Variant bits 10, then 14 fixed random bits, then the 48-bit counter.
        BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], ((ulong)(0x8000 | _randomA) << 48) | (counter & 0xFFFF_FFFF_FFFFUL));
        return new Guid(bytes, bigEndian: true).ToString();
    }
}
