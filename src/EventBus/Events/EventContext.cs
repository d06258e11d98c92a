namespace EventBus;

/// <summary>The event a dispatch worker is handling right now, visible to code running inside the handler.</summary>
/// <remarks>
/// Each worker sets one <see cref="AsyncLocal{T}"/> holder when it starts and only swaps the event inside it per
/// delivery, so tracking causation costs no allocation per event.
/// </remarks>
internal static class EventContext
{
    private static readonly AsyncLocal<Holder?> Ambient = new();

    public static Event? Current => Ambient.Value?.Event;

    /// <summary>Gets the subscription whose handler the calling code runs in, or <see langword="null"/> outside handlers.</summary>
    public static object? CurrentSubscription => Ambient.Value?.Subscription;

    /// <summary>Installs a holder for the calling asynchronous flow.</summary>
    public static void Install(Holder holder) => Ambient.Value = holder;

    /// <summary>What one delivering flow shows to the code it runs: the event and the subscription.</summary>
    internal sealed class Holder(object subscription)
    {
        public Event? Event { get; set; }

        public object Subscription { get; } = subscription;
    }
}
