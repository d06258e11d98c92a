using System.Text.Json;
using EventBus.EventStore;
using EventBus.EventStore.Serialization;

namespace EventBus;

/// <summary>Settings of the event store registered by <c>AddEventStore</c>.</summary>
public sealed class EventStoreOptions
{
    /// <summary>Gets or sets the serializer settings for payloads and snapshots.</summary>
    /// <remarks>For trimming and native AOT, put a source-generated context first:
    /// <c>options.JsonSerializerOptions.TypeInfoResolverChain.Insert(0, MyJsonContext.Default)</c>.</remarks>
    /// <value>The default value is <see cref="JsonSerializerDefaults.Web"/> settings (camelCase names) with reflection-based metadata where the app allows it.</value>
    public JsonSerializerOptions JsonSerializerOptions { get; set; } = EventStoreJson.CreateDefaultOptions();

    /// <summary>Gets or sets what reading does with an event whose type is not registered.</summary>
    /// <value>The default value is <see cref="UnknownEventTypeHandling.Fail"/>.</value>
    public UnknownEventTypeHandling UnknownEventTypes { get; set; } = UnknownEventTypeHandling.Fail;

    /// <summary>Gets or sets a callback told about every unknown event skipped under
    /// <see cref="UnknownEventTypeHandling.Skip"/> (it is also logged).</summary>
    public Action<OnUnknownEventTypeArguments>? OnUnknownEventType { get; set; }

    /// <summary>Gets or sets a value indicating whether events appended to the store are published on the bus
    /// (outbox: at least once, in append order per stream, resumed from a checkpoint after a restart).</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool PublishToBus { get; set; } = true;

    /// <summary>Gets or sets how many finished events the outbox lets pass between checkpoint saves.</summary>
    /// <remarks>After a crash the outbox resumes from its last save, so what is published again is at most this many
    /// finished events plus those still in flight: the outbox publishes up to 4,096 events ahead of the slowest
    /// subscription's outcomes, and an event some subscriptions had handled and others had not yet is published to
    /// all of them again (subscriptions with duplicate suppression drop the repeats).</remarks>
    /// <value>The default value is 100.</value>
    public int OutboxBatchSize { get; set; } = EventStoreConstants.DefaultBatchSize;

    /// <summary>Gets or sets how long the outbox waits before retrying after publishing failed.</summary>
    /// <value>The default value is 5 seconds.</value>
    public TimeSpan OutboxRetryDelay { get; set; } = EventStoreConstants.DefaultRetryDelay;
}
