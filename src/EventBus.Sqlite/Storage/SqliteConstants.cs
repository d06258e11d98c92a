namespace EventBus.Sqlite.Storage;

internal static class SqliteConstants
{
    public const int MaxCheckpointNameLength = 255;
    public const int ReadPageSize = 256;
    public const int DefaultMaxWritesPerTransaction = 512;
    public const int MaxPooledReaders = 16;
    public static readonly TimeSpan DefaultBusyTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxTimeSpan = TimeSpan.FromMilliseconds(int.MaxValue);
}
