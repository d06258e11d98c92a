using System.Globalization;
using EventBus.Internal;

namespace EventBus.Tests.Internal;

public sealed class EventIdsTests
{
    private static readonly DateTimeOffset Time = new(2026, 11, 26, 16, 0, 0, 123, TimeSpan.Zero);

    [Fact]
    public void NewUuid_Always_IsRfc9562Version7Uuid()
    {
        var id = EventIds.NewUuid(Time).ToString();

        Guid.TryParseExact(id, "D", out var guid).Should().BeTrue();
        guid.Version.Should().Be(7);
        (guid.Variant >> 2).Should().Be(0b10, "the RFC 9562 variant is 10xx");
        id.Should().Be(id.ToLowerInvariant());
    }

    [Fact]
    public void NewUuid_Time_IsTheLeading48BitsInMilliseconds()
    {
        var id = EventIds.NewUuid(Time).ToString();

        var leading = long.Parse(id.Replace("-", "", StringComparison.Ordinal)[..12], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        leading.Should().Be(Time.ToUnixTimeMilliseconds());
    }

    [Fact]
    public void NewUuid_TimeBeforeUnixEpoch_ClampsTimestampToZero()
    {
        var id = EventIds.NewUuid(new DateTimeOffset(1969, 12, 31, 0, 0, 0, TimeSpan.Zero)).ToString();

        id.Should().StartWith("00000000-0000-7");
    }

    [Fact]
    public void NewUuid_ManyIdsAtOneInstantAcrossBufferRefills_AreUnique()
    {
        // 10,000 ids draw 100,000 random bytes: the per-thread buffer is refilled about 25 times.
        var ids = Enumerable.Range(0, 10_000).Select(_ => EventIds.NewUuid(Time).ToString()).ToList();

        ids.Should().OnlyHaveUniqueItems();
        ids.Should().OnlyContain(id => Guid.Parse(id).Version == 7);
    }

    [Fact]
    public async Task NewUuid_ManyThreadsAtOnce_AreUnique()
    {
        var batches = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(
            () => Enumerable.Range(0, 2_000).Select(_ => EventIds.NewUuid(Time).ToString()).ToList())));

        batches.SelectMany(batch => batch).Should().OnlyHaveUniqueItems();
    }
}
