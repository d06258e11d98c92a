namespace EventBus.Diagnostics;

internal static class DiagnosticsConstants
{
    public const double DefaultQueueCapacityThreshold = 0.9;
    public const int DefaultDeadLetterThreshold = 1;

    public const string EventTypeTag = "eventbus.event.type";
    public const string SubscriptionTag = "eventbus.subscription";
    public const string ReasonTag = "eventbus.reason";
    public const string OutcomeTag = "eventbus.outcome";
    public const string ErrorTypeTag = "error.type";

    public static readonly TimeSpan DefaultHealthCheckInterval = TimeSpan.FromSeconds(30);
}
