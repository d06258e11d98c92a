namespace EventBus;

internal static class DispatchConstants
{
    public const string DefaultSource = "/eventbus";
    public const int DefaultCapacity = 10_000;
    public const int DefaultMaxConcurrency = 1;
    public const int MaxMaxConcurrency = 1024;

    /// <summary>How many events may wait in front of each concurrency slot once taken from the lanes.</summary>
    public const int SlotBuffer = 4;

    public static readonly TimeSpan DefaultDrainTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How long stopping waits, after cancelling handlers, for them to return.</summary>
    public static readonly TimeSpan AbortGracePeriod = TimeSpan.FromSeconds(5);
}
