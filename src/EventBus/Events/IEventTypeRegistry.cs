using System.Diagnostics.CodeAnalysis;

namespace EventBus;

/// <summary>Maps event type names to payload CLR types and back.</summary>
/// <remarks>
/// Names come from <see cref="EventTypeAttribute"/> on the payload type or from explicit registration
/// (<c>AddEventType&lt;T&gt;("order.placed")</c>). A name found in stored or received data is only ever resolved
/// through this registry, never by loading a CLR type of that name.
/// </remarks>
public interface IEventTypeRegistry
{
    /// <summary>Gets the event type name of <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <returns>The registered or attributed name.</returns>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> is neither registered nor attributed.</exception>
    string GetTypeName<T>();

    /// <summary>Gets the event type name of <paramref name="payloadType"/>.</summary>
    /// <param name="payloadType">The payload type.</param>
    /// <returns>The registered or attributed name.</returns>
    /// <exception cref="InvalidOperationException">The type is neither registered nor attributed.</exception>
    string GetTypeName(Type payloadType);

    /// <summary>Looks up the payload type registered for an event type name.</summary>
    /// <param name="typeName">The event type name.</param>
    /// <param name="payloadType">The payload type, when found.</param>
    /// <returns><see langword="true"/> if the name is known; otherwise, <see langword="false"/>.</returns>
    bool TryGetPayloadType(string typeName, [NotNullWhen(true)] out Type? payloadType);

    /// <summary>Registers <paramref name="payloadType"/> under <paramref name="typeName"/>.</summary>
    /// <param name="payloadType">The payload type.</param>
    /// <param name="typeName">The event type name.</param>
    /// <exception cref="ArgumentException">The name is invalid, or the name or the type is already registered
    /// differently.</exception>
    void Register(Type payloadType, string typeName);

    /// <summary>Gets every registered event type name.</summary>
    IReadOnlyCollection<string> TypeNames { get; }
}
