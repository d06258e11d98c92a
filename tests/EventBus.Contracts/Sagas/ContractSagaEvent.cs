namespace EventBus.Contracts.Sagas;

/// <summary>A payload the saga store contract keeps in parked events and timeouts.</summary>
[EventType("contract.saga-event")]
public sealed record ContractSagaEvent(string OrderId, int Attempt);
