namespace EventBus.Resilience;

/// <summary>
/// The system clock with millisecond timestamps from <see cref="Environment.TickCount64"/>, for what is measured on
/// every delivery of a failure policy: when a time limit started and which circuit-breaker bucket a success falls in.
/// </summary>
/// <remarks>
/// A precise timestamp costs a clock read of 25–100 ns on a virtual machine, paid twice per delivery that had nothing to
/// time; the coarse tick costs a few. Limits of milliseconds and up and buckets of a tenth of a second and up lose
/// nothing at this resolution. A test's provider (or any provider other than <see cref="TimeProvider.System"/>) is used
/// as it is.
/// </remarks>
internal sealed class CoarseTimeProvider : TimeProvider
{
    private static readonly CoarseTimeProvider Instance = new();

    private CoarseTimeProvider()
    {
    }

    /// <inheritdoc/>
    public override long TimestampFrequency => 1_000;

    /// <inheritdoc/>
    public override TimeZoneInfo LocalTimeZone => System.LocalTimeZone;

    /// <summary>Gets the coarse clock in place of the system clock; any other provider unchanged.</summary>
    public static TimeProvider For(TimeProvider timeProvider) =>
        ReferenceEquals(timeProvider, System) ? Instance : timeProvider;

    /// <inheritdoc/>
    public override long GetTimestamp() => Environment.TickCount64;

    /// <inheritdoc/>
    public override DateTimeOffset GetUtcNow() => System.GetUtcNow();

    /// <inheritdoc/>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        System.CreateTimer(callback, state, dueTime, period);
}
