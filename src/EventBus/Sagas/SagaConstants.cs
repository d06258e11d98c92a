namespace EventBus.Sagas;

internal static class SagaConstants
{
    public const int DefaultMaxConcurrency = 8;
    public const int DefaultMaxConflictRetries = 10;
    public const int DefaultProcessedEventIdLimit = 1_000;
    public const int DefaultMaxParkedEvents = 100;
    public const int DefaultHistoryLimit = 1_000;

    /// <summary>How many due timeouts one claim takes from the store.</summary>
    public const int TimeoutClaimBatchSize = 100;

    public static readonly TimeSpan DefaultTimeoutPollInterval = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan DefaultTimeoutClaimDuration = TimeSpan.FromMinutes(1);

    /// <summary>Header naming the saga a timeout event belongs to.</summary>
    public const string SagaHeader = "eventbus-saga";

    /// <summary>Header carrying the correlation key of the instance a timeout event belongs to.</summary>
    public const string KeyHeader = "eventbus-saga-key";

    /// <summary>Header carrying the id of the timeout a timeout event fires.</summary>
    public const string TimeoutHeader = "eventbus-saga-timeout";

    public static string DefaultSource(string sagaName) => "/sagas/" + sagaName;
}
