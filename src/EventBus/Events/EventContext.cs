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

    /// <summary>Installs a holder for the calling asynchronous flow and returns it.</summary>
    public static Holder Install()
    {
        var holder = new Holder();
        Ambient.Value = holder;
        return holder;
    }

    internal sealed class Holder
    {
        public Event? Event { get; set; }
    }
}
