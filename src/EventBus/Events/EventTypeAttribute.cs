namespace EventBus;

/// <summary>Names the event type of a payload class, such as <c>order.placed</c>.</summary>
/// <remarks>
/// The name is the contract between publishers, subscribers, stores and transports; it never comes from the CLR
/// type name. Use lowercase dot-separated segments (letters, digits, <c>-</c> and <c>_</c>), at least two of them.
/// </remarks>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = false, Inherited = false)]
public sealed class EventTypeAttribute : Attribute
{
    /// <summary>Initializes a new instance of the <see cref="EventTypeAttribute"/> class.</summary>
    /// <param name="name">The event type name, for example <c>order.placed</c>.</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not a valid event type name.</exception>
    public EventTypeAttribute(string name)
    {
        EventTypeName.Validate(name, nameof(name));
        Name = name;
    }

    /// <summary>Gets the event type name.</summary>
    public string Name { get; }
}
