using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace EventBus.EventStore.Serialization;

internal static class EventStoreJson
{
    /// <summary>Web defaults; reflection-based metadata only where the app allows reflection, so trimmed and AOT apps
    /// get a clear "no metadata for type X" error that points at registering a source-generated context.</summary>
    public static JsonSerializerOptions CreateDefaultOptions() => new(JsonSerializerDefaults.Web)
    {
        TypeInfoResolver = JsonSerializer.IsReflectionEnabledByDefault ? CreateReflectionResolver() : JsonTypeInfoResolver.Combine(),
    };

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Only used when the app enables reflection-based serialization.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Only used when the app enables reflection-based serialization.")]
    private static DefaultJsonTypeInfoResolver CreateReflectionResolver() => new();
}
