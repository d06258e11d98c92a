namespace EventBus.DeadLetters;

internal static class DeadLetterConstants
{
    public const int DefaultCapacity = 10_000;
}
