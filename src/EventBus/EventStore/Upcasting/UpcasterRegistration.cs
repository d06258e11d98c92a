using System.Text.Json.Nodes;

namespace EventBus.EventStore.Upcasting;

/// <summary>One step of an upcaster chain: the payload of <see cref="EventType"/> at <see cref="FromVersion"/>
/// becomes <see cref="ToVersion"/>.</summary>
internal sealed record UpcasterRegistration(string EventType, string FromVersion, string ToVersion, Func<JsonObject, JsonObject> Upcast);
