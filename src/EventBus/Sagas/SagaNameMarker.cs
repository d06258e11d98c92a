namespace EventBus.Sagas;

/// <summary>Registered keyed by saga name, so adding two sagas of one name fails at registration.</summary>
internal sealed class SagaNameMarker;
