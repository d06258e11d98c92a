namespace EventBus;

/// <summary>Configures the event store registered by <c>AddEventStore</c>: event types, upcasters, aggregates and
/// projections. It is also the bus builder, so bus methods such as <c>AddHandler</c> chain on.</summary>
public interface IEventStoreBuilder : IEventBusBuilder
{
}
