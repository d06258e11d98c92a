namespace EventBus.PostgreSql.Storage;

internal static class PostgreSqlConstants
{
    public const string DefaultSchema = "eventbus";
    public const int MaxIdentifierLength = 63;
    public const int MaxCheckpointNameLength = 255;
    public const int ReadPageSize = 1000;
    public const int SmallPageSize = 256;
    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan DefaultLeaseDuration = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan DefaultLeaseRenewInterval = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan DefaultLeaseAcquireInterval = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan MaxTimeSpan = TimeSpan.FromMilliseconds(int.MaxValue);
}
