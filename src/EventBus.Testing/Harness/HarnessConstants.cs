namespace EventBus.Testing.Harness;

/// <summary>Defaults of the test harness.</summary>
internal static class HarnessConstants
{
    /// <summary>The name of the subscription that records every published event.</summary>
    public const string RecorderSubscriptionName = "$test-harness";

    /// <summary>How long <see cref="EventBusTestHarness.WaitUntilIdleAsync"/> waits before it gives up: a safety net
    /// for a test that would otherwise hang, never the way idleness is detected.</summary>
    public static readonly TimeSpan SafetyTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How often the idle check looks again when nothing was signalled: a handler that finishes without
    /// publishing or dead-lettering anything raises no signal the harness can observe.</summary>
    public static readonly TimeSpan RecheckInterval = TimeSpan.FromMilliseconds(1);
}
