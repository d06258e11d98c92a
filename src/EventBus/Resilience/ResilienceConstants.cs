namespace EventBus.Resilience;

internal static class ResilienceConstants
{
    public const int DefaultMaxRetryAttempts = 3;
    public const int MaxMaxRetryAttempts = 100;
    public const double DefaultFailureRatio = 0.5;
    public const int DefaultMinimumThroughput = 10;

    public static readonly TimeSpan DefaultRetryDelay = TimeSpan.FromMilliseconds(200);
    public static readonly TimeSpan DefaultMaxRetryDelay = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultAttemptTimeout = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan DefaultOperationTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultSamplingDuration = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultBreakDuration = TimeSpan.FromSeconds(60);

    /// <summary>Polly's lower bounds: a shorter sampling or break duration is rejected by its validator.</summary>
    public static readonly TimeSpan MinSamplingDuration = TimeSpan.FromMilliseconds(500);
    public static readonly TimeSpan MinBreakDuration = TimeSpan.FromMilliseconds(500);
    public static readonly TimeSpan MinTimeout = TimeSpan.FromMilliseconds(10);
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(1);
}
