using System.Text.Json.Serialization;

namespace EventBus.EventStore.Serialization;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StoredEventMetadata))]
internal sealed partial class EventStoreJsonContext : JsonSerializerContext;
