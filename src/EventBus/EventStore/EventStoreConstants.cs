namespace EventBus.EventStore;

internal static class EventStoreConstants
{
    public const int MaxEventIdLength = 255;
    public const int MaxCheckpointNameLength = 255;
    public const int ReadPageSize = 256;
    public const int DefaultBatchSize = 100;
    public const string OutboxCheckpointName = "$outbox";
    public static readonly TimeSpan DefaultRetryDelay = TimeSpan.FromSeconds(5);
}
