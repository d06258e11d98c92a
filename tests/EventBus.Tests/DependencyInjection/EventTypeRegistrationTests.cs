using Microsoft.Extensions.DependencyInjection;

namespace EventBus.Tests.DependencyInjection;

public sealed class EventTypeRegistrationTests
{
    [Fact]
    public async Task AddEventType_OnTheBusBuilder_RegistersTheAttributeName()
    {
        var services = new ServiceCollection();
        IEventBusBuilder builder = services.AddEventBus();

        builder.AddEventType<ParcelScanned>();
        await using var provider = services.BuildServiceProvider();
        var registry = provider.GetRequiredService<IEventTypeRegistry>();

        registry.TryGetPayloadType("parcel.scanned", out var payloadType).Should().BeTrue();
        payloadType.Should().Be<ParcelScanned>();
    }

    [Fact]
    public void AddEventType_OnTheBusBuilderWithoutAttribute_IsRejectedWithAHint()
    {
        IEventBusBuilder builder = new ServiceCollection().AddEventBus();

        var act = () => builder.AddEventType<Unnamed>();

        act.Should().Throw<InvalidOperationException>().WithMessage("*Unnamed has no [EventType] attribute*AddEventType<Unnamed>(\"namespace.name\")*");
    }

    [EventType("parcel.scanned")]
    public sealed record ParcelScanned(string ParcelId);

    public sealed record Unnamed(string Id);
}
