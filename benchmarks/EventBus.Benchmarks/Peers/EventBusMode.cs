namespace EventBus.Benchmarks.Peers;

/// <summary>How the EventBus target subscribes and publishes.</summary>
public enum EventBusMode
{
    /// <summary><c>Subscribe&lt;T&gt;</c>; publish pre-built, fully stamped envelopes.</summary>
    TypedEnvelope,

    /// <summary><c>Subscribe("bench.#")</c>; publish pre-built, fully stamped envelopes.</summary>
    WildcardEnvelope,

    /// <summary><c>Subscribe&lt;T&gt;</c>; <c>PublishAsync&lt;T&gt;(payload)</c>: the bus builds and stamps the envelope.</summary>
    TypedPayload,
}
