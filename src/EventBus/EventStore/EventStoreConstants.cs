namespace EventBus.EventStore;

internal static class EventStoreConstants
{
    public const int MaxEventIdLength = 255;
    public const int MaxCheckpointNameLength = 255;
    public const int ReadPageSize = 256;
    public const int DefaultBatchSize = 100;

    /// <summary>The name catch-up subscriptions dead-letter unreadable stored events under.</summary>
    public const string CatchUpReaderName = "$catch-up";

    /// <summary>How many published events the outbox may wait on at once before it stops reading ahead.</summary>
    public const int OutboxWindow = 4096;
    public const string OutboxCheckpointName = "$outbox";
    public static readonly TimeSpan DefaultRetryDelay = TimeSpan.FromSeconds(5);
}
