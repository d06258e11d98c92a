using EventBus.Idempotency;
using EventBus.Resilience;

namespace EventBus.Subscriptions;

/// <summary>The failure-handling features of one subscription, resolved from its options when it subscribes.</summary>
internal sealed record SubscriptionPolicies(SubscriptionResilience? Resilience, IdempotencyGuard? Idempotency, TimeSpan? TimeToLive);
