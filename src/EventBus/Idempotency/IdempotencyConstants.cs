namespace EventBus.Idempotency;

internal static class IdempotencyConstants
{
    public const int DefaultMaxCount = 10_000;

    public static readonly TimeSpan DefaultWindow = TimeSpan.FromHours(1);
}
