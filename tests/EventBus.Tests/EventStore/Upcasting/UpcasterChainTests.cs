using System.Text;
using System.Text.Json.Nodes;
using EventBus.EventStore.Upcasting;
using Microsoft.Extensions.DependencyInjection;

namespace EventBus.Tests.EventStore.Upcasting;

public sealed class UpcasterChainTests
{
    private const string V1 = "{\"orderId\":\"A-7\",\"amount\":10.5}";
    private const string V3 = "{\"orderId\":\"A-7\",\"price\":{\"amount\":10.5,\"currency\":\"EUR\"},\"channel\":\"web\"}";

    // v1 → v2: a currency appears (everything sold before it was in euros).
    private static JsonObject AddCurrency(JsonObject json)
    {
        json["currency"] = "EUR";
        return json;
    }

    // v2 → v3: amount and currency move into a price object; orders know their sales channel.
    private static JsonObject NestPrice(JsonObject json)
    {
        var amount = json["amount"]!.DeepClone();
        var currency = json["currency"]!.DeepClone();
        json.Remove("amount");
        json.Remove("currency");
        json["price"] = new JsonObject { ["amount"] = amount, ["currency"] = currency };
        json["channel"] = "web";
        return json;
    }

    private static UpcasterChain Chain() => new(
    [
        new UpcasterRegistration("order.priced", "2.0", "3.0", NestPrice),
        new UpcasterRegistration("order.priced", "1.0", "2.0", AddCurrency),
        new UpcasterRegistration("order.other", "1.0", "2.0", _ => throw new InvalidOperationException("wrong type")),
    ]);

    [Fact]
    public void TryUpcast_V1Payload_RunsTheWholeChainToTheGoldenV3Json()
    {
        var upcast = Chain().TryUpcast("order.priced", "1.0", Encoding.UTF8.GetBytes(V1), out var version, out var data);

        upcast.Should().BeTrue();
        version.Should().Be("3.0");
        Encoding.UTF8.GetString(data).Should().Be(V3);
    }

    [Fact]
    public void TryUpcast_V2Payload_StartsMidChain()
    {
        var upcast = Chain().TryUpcast("order.priced", "2.0", Encoding.UTF8.GetBytes("{\"orderId\":\"B\",\"amount\":1,\"currency\":\"USD\"}"), out var version, out var data);

        upcast.Should().BeTrue();
        version.Should().Be("3.0");
        Encoding.UTF8.GetString(data).Should().Be("{\"orderId\":\"B\",\"price\":{\"amount\":1,\"currency\":\"USD\"},\"channel\":\"web\"}");
    }

    [Fact]
    public void TryUpcast_LatestVersionOrOtherType_LeavesThePayloadAlone()
    {
        var chain = Chain();

        chain.TryUpcast("order.priced", "3.0", Encoding.UTF8.GetBytes(V3), out var version, out _).Should().BeFalse();
        chain.TryUpcast("order.unrelated", "1.0", Encoding.UTF8.GetBytes(V1), out _, out _).Should().BeFalse();
        version.Should().Be("3.0");
    }

    [Fact]
    public void Constructor_TwoStepsFromOneVersion_IsRejected()
    {
        var act = () => new UpcasterChain([new("order.priced", "1.0", "2.0", AddCurrency), new("order.priced", "1.0", "1.5", AddCurrency)]);

        act.Should().Throw<ArgumentException>().WithMessage("*'order.priced'*'1.0'*");
    }

    [Fact]
    public void Constructor_Cycle_IsRejected()
    {
        var act = () => new UpcasterChain([new("order.priced", "1.0", "2.0", AddCurrency), new("order.priced", "2.0", "1.0", AddCurrency)]);

        act.Should().Throw<ArgumentException>().WithMessage("*cycle*");
    }

    [Fact]
    public void AddUpcaster_SameFromAndToVersion_IsRejected()
    {
        var builder = new ServiceCollection().AddEventBus().AddEventStore();

        var act = () => builder.AddUpcaster("order.priced", "1.0", "1.0", AddCurrency);

        act.Should().Throw<ArgumentException>();
    }

    [Fact]
    public async Task ReadStreamAsync_StoredV1Events_AreUpcastBeforeDeserialization()
    {
        await using var provider = StoreFixture.Build(b => b
            .AddEventType<OrderPriced>()
            .AddUpcaster("order.priced", "1.0", "2.0", AddCurrency)
            .AddUpcaster("order.priced", "2.0", "3.0", NestPrice));
        var store = provider.GetRequiredService<IEventStore>();
        await store.AppendAsync("order-A-7", ExpectedVersion.NoStream, [new EventData("e-1", "order.priced", Encoding.UTF8.GetBytes(V1), dataVersion: "1.0")]);
        var streams = provider.GetRequiredService<IEventStreams>();
        await streams.AppendAsync("order-A-7", ExpectedVersion.Exact(1), [new Event("order.priced", new OrderPriced("A-8", new Price(2m, "GBP"), "shop")) { DataVersion = "3.0" }]);

        var events = await streams.ReadStreamAsync("order-A-7").ToListAsync();

        events.Select(e => e.Event.Payload).Should().Equal(new OrderPriced("A-7", new Price(10.5m, "EUR"), "web"), new OrderPriced("A-8", new Price(2m, "GBP"), "shop"));
        events.Should().OnlyContain(e => e.Event.DataVersion == "3.0");
        Encoding.UTF8.GetString((await store.ReadStreamAsync("order-A-7").ToListAsync())[0].Data.Span).Should().Be(V1);
    }
}

[EventType("order.priced")]
public sealed record OrderPriced(string OrderId, Price Price, string Channel);

public sealed record Price(decimal Amount, string Currency);
