using Polly;

namespace EventBus;

/// <summary>Settings of one subscription; anything left <see langword="null"/> takes the bus-wide default from
/// <see cref="EventBusOptions"/>.</summary>
public sealed class SubscriptionOptions
{
    /// <summary>Gets or sets the subscription name, unique per bus. Dead letters are recorded and redriven by it.</summary>
    /// <value>The default is derived from the handler type for DI handlers, and from the pattern plus a sequence
    /// number for delegates.</value>
    public string? Name { get; set; }

    /// <summary>Gets or sets how many events each priority lane of the subscription may hold.</summary>
    /// <value>The default is <see cref="EventBusOptions.Capacity"/>.</value>
    public int? Capacity { get; set; }

    /// <summary>Gets or sets what happens when a lane is full.</summary>
    /// <value>The default is <see cref="EventBusOptions.OverflowPolicy"/>.</value>
    public OverflowPolicy? OverflowPolicy { get; set; }

    /// <summary>Gets or sets how many events the subscription handles at once.</summary>
    /// <remarks>With more than one, events that share an ordering key are still handled one at a time, in order.</remarks>
    /// <value>The default is <see cref="EventBusOptions.MaxConcurrency"/>.</value>
    public int? MaxConcurrency { get; set; }

    /// <summary>Gets or sets the function that picks the ordering key of an event.</summary>
    /// <value>The default is <see cref="Event.Subject"/>, or <see cref="Event.CorrelationId"/> when there is no subject.</value>
    public Func<Event, string?>? OrderingKey { get; set; }

    /// <summary>Gets or sets a function that adjusts this subscription's failure policy, starting from a copy of
    /// <see cref="EventBusOptions.Resilience"/>; for example <c>r =&gt; r.Retry.MaxRetryAttempts = 5</c>, or
    /// <c>r =&gt; r.Enabled = false</c> to call the handler directly.</summary>
    /// <value>The default is <see langword="null"/>: the bus-wide policy applies.</value>
    public Action<ResilienceOptions>? ConfigureResilience { get; set; }

    /// <summary>Gets or sets your own Polly pipeline, which replaces the bus's failure policy (retries, time limits
    /// and circuit breaker) for this subscription.</summary>
    /// <remarks>
    /// <para>Each event runs once through the pipeline; every handler call is one attempt, and the handler observes the
    /// pipeline's cancellation token, so a timeout strategy in it limits the handler. What the pipeline finally
    /// returns decides the outcome: success is handled; a <see cref="Polly.CircuitBreaker.BrokenCircuitException"/>
    /// pauses the subscription (its events stay queued) for the exception's retry-after, or for
    /// <see cref="CircuitBreakerOptions.BreakDuration"/>, and then runs the event again (or calls
    /// <see cref="Fallback"/>, when set); any other failure calls <see cref="Fallback"/> or dead-letters the event
    /// with <see cref="DeadLetterReason.HandlerFailed"/>. A payload the handler cannot read is returned to the
    /// pipeline as a result, not an exception, so it is not retried, and is dead-lettered as
    /// <see cref="DeadLetterReason.DeserializationFailed"/>.</para>
    /// <para>Cannot be combined with <see cref="ResiliencePipelineKey"/> or <see cref="ConfigureResilience"/>. The
    /// pipeline applies even when <see cref="ResilienceOptions.Enabled"/> is <see langword="false"/> bus-wide.</para>
    /// </remarks>
    /// <value>The default is <see langword="null"/>: the bus's policy applies.</value>
    public ResiliencePipeline? ResiliencePipeline { get; set; }

    /// <summary>Gets or sets the key of a pipeline registered with Polly's <c>AddResiliencePipeline</c>
    /// (a <see cref="Polly.Registry.ResiliencePipelineProvider{TKey}"/> of <see cref="string"/> in the service
    /// container), used as <see cref="ResiliencePipeline"/>.</summary>
    /// <remarks>The key is resolved when the subscription is made; an unknown key, or no provider in the container,
    /// fails the subscription with an exception naming the key.</remarks>
    /// <value>The default is <see langword="null"/>: the bus's policy applies.</value>
    public string? ResiliencePipelineKey { get; set; }

    /// <summary>Gets or sets the handler called instead of dead-lettering when retries are exhausted, and instead of
    /// pausing while the circuit is open. If it throws, the event is dead-lettered.</summary>
    /// <value>The default is <see langword="null"/>: no fallback.</value>
    public Func<OnFallbackArguments, ValueTask>? Fallback { get; set; }

    /// <summary>Gets or sets a function that adjusts this subscription's duplicate suppression, starting from a copy
    /// of <see cref="EventBusOptions.Idempotency"/>.</summary>
    /// <value>The default is <see langword="null"/>: the bus-wide setting applies.</value>
    public Action<IdempotencyOptions>? ConfigureIdempotency { get; set; }

    /// <summary>Gets or sets how long after its <see cref="Event.Time"/> an event may still be handled by this
    /// subscription; older events are dead-lettered with <see cref="DeadLetterReason.Expired"/>.</summary>
    /// <value>The default is <see cref="EventBusOptions.TimeToLive"/>.</value>
    public TimeSpan? TimeToLive { get; set; }
}
