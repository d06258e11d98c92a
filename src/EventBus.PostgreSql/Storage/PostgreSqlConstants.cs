namespace EventBus.PostgreSql.Storage;

internal static class PostgreSqlConstants
{
    public const string DefaultSchema = "eventbus";
    public const int MaxIdentifierLength = 63;
    public const int MaxCheckpointNameLength = 255;
    public const int ReadPageSize = 1000;
    public const int SmallPageSize = 256;

    // Group commit: bounds on what one transaction carries. Appends beyond them wait for the next group (a batch
    // larger than the event bound still goes, alone).
    public const int MaxAppendsPerGroup = 64;
    public const int MaxEventsPerGroup = 10_000;

    // The group commit's connection is opened afresh after this long unused, so that a connection the server or
    // the network dropped while idle does not fail the next appends (the pool prunes its idle ones the same way).
    public static readonly TimeSpan AppendConnectionIdleLifetime = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan DefaultLeaseDuration = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan DefaultLeaseRenewInterval = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan DefaultLeaseAcquireInterval = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan MaxTimeSpan = TimeSpan.FromMilliseconds(int.MaxValue);
}
