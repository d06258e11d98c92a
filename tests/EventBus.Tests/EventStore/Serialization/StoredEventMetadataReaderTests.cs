using System.Text;
using System.Text.Json;
using CsCheck;
using EventBus.EventStore.Serialization;
using FluentAssertions;
using Xunit;

namespace EventBus.Tests.EventStore.Serialization;

public sealed class StoredEventMetadataReaderTests
{
    private static readonly (string StreamId, string EventId) Known = ("account-1", "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");

    private static readonly Gen<string?> Text = Gen.OneOf(
        Gen.Const((string?)null),
        Gen.String[0, 40].Select(s => (string?)s),
        Gen.OneOfConst<string?>("a \"quoted\" \\ value", "ünïcödé ✓", "line\nbreak"));

    private static readonly Gen<StoredEventMetadata> MetadataGen =
        from source in Text
        from ticks in Gen.Long[DateTimeOffset.MinValue.UtcTicks + TimeSpan.TicksPerDay, DateTimeOffset.MaxValue.UtcTicks - TimeSpan.TicksPerDay]
        from offset in Gen.Int[-14 * 60, 14 * 60]
        from subject in Text
        from correlation in Text
        from causation in Text
        from priority in Gen.Int
        from traceParent in Text
        from contentType in Text
        from headers in Gen.Null(Gen.Dictionary(Gen.String[0, 10], Gen.String[0, 20])[0, 4])
        select new StoredEventMetadata
        {
            Source = source,
            Time = new DateTimeOffset(ticks, TimeSpan.Zero).ToOffset(TimeSpan.FromMinutes(offset)),
            Subject = subject,
            CorrelationId = correlation,
            CausationId = causation,
            Priority = priority,
            TraceParent = traceParent,
            DataContentType = contentType,
            Headers = headers is null ? null : new Dictionary<string, string>(headers, StringComparer.Ordinal),
        };

    [Fact]
    public void TryRead_WhatTheContextWrites_ReadsWhatTheContextReads()
    {
        MetadataGen.Sample(metadata =>
        {
            var json = JsonSerializer.SerializeToUtf8Bytes(metadata, EventStoreJsonContext.Default.StoredEventMetadata);

            StoredEventMetadataReader.TryRead(json, Known, out var read).Should().BeTrue(Encoding.UTF8.GetString(json));

            read.Should().BeEquivalentTo(JsonSerializer.Deserialize(json, EventStoreJsonContext.Default.StoredEventMetadata));
            read!.Time.Offset.Should().Be(metadata.Time.Offset);
        });
    }

    [Theory]
    [InlineData("""{"time":"2026-01-02T03:04:05+01:00","newerField":{"a":[1,2]},"subject":"s-1"}""")]
    [InlineData("""{"subject":null,"Subject":"ignored: names are case-sensitive","priority":10,"priority":1}""")]
    [InlineData("""{"headers":null,"correlationId":"c\u00e9"}""")]
    [InlineData("""{}""")]
    public void TryRead_UnknownPropertiesNullsAndDuplicates_AsTheContextReadsThem(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);

        StoredEventMetadataReader.TryRead(bytes, Known, out var read).Should().BeTrue();

        read.Should().BeEquivalentTo(JsonSerializer.Deserialize(bytes, EventStoreJsonContext.Default.StoredEventMetadata));
    }

    [Fact]
    public void TryRead_SubjectAndCorrelationIdOfARootEvent_AreTheStreamIdAndEventIdStrings()
    {
        var json = Encoding.UTF8.GetBytes($$"""{"subject":"{{Known.StreamId}}","correlationId":"{{Known.EventId}}","causationId":"other"}""");

        (string StreamId, string EventId) known = (new string(Known.StreamId), new string(Known.EventId));

        StoredEventMetadataReader.TryRead(json, known, out var read).Should().BeTrue();

        read!.Subject.Should().BeSameAs(known.StreamId);
        read.CorrelationId.Should().BeSameAs(known.EventId);
        read.CausationId.Should().Be("other");
    }

    [Theory]
    [InlineData("""{"time":null}""")]
    [InlineData("""{"priority":"high"}""")]
    [InlineData("""{"subject":42}""")]
    [InlineData("""{"headers":{"h":null}}""")]
    [InlineData("""{"headers":["h"]}""")]
    [InlineData("""{"subject":"s" """)]
    [InlineData("""{"subject":"s"} trailing""")]
    [InlineData("""null""")]
    [InlineData("""[]""")]
    public void TryRead_AnythingElse_GivesUpForTheContextToDecide(string json)
    {
        StoredEventMetadataReader.TryRead(Encoding.UTF8.GetBytes(json), Known, out var read).Should().BeFalse();
        read.Should().BeNull();
    }
}
