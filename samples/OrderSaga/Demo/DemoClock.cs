namespace EventBus.Samples.Orders.Demo;

/// <summary>The clock the demo's bus runs on: it decides when the saga's payment timeouts fire.</summary>
public enum DemoClock
{
    /// <summary>The sample's own clock: it stands still while orders are in flight and moves by the payment timeout
    /// only when no order can go further without it, so every run ends the same way however busy the machine is.</summary>
    Simulated,

    /// <summary>The machine's clock: timeouts fire after real time, so a payment slower than the timeout (a loaded
    /// machine) cancels its order.</summary>
    System,
}
