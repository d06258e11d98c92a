using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace EventBus;

internal sealed class EventTypeRegistry : IEventTypeRegistry
{
    private readonly ConcurrentDictionary<Type, string> _names = new();
    private readonly ConcurrentDictionary<string, Type> _types = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public EventTypeRegistry(IEnumerable<EventTypeRegistration> registrations)
    {
        foreach (var registration in registrations)
        {
            Register(registration.PayloadType, registration.TypeName);
        }
    }

    public IReadOnlyCollection<string> TypeNames => (IReadOnlyCollection<string>)_types.Keys;

    public string GetTypeName<T>() => _names.TryGetValue(typeof(T), out var name) ? name : Discover(typeof(T));

    public string GetTypeName(Type payloadType)
    {
        ArgumentNullException.ThrowIfNull(payloadType);
        return _names.TryGetValue(payloadType, out var name) ? name : Discover(payloadType);
    }

    public bool TryGetPayloadType(string typeName, [NotNullWhen(true)] out Type? payloadType)
    {
        ArgumentNullException.ThrowIfNull(typeName);
        return _types.TryGetValue(typeName, out payloadType);
    }

    public void Register(Type payloadType, string typeName)
    {
        ArgumentNullException.ThrowIfNull(payloadType);
        EventTypeName.Validate(typeName, nameof(typeName));
        lock (_lock)
        {
            if (_types.TryGetValue(typeName, out var existingType) && existingType != payloadType)
            {
                throw new ArgumentException(
                    $"Event type '{typeName}' is already registered for {existingType.FullName}; it cannot also name {payloadType.FullName}.",
                    nameof(typeName));
            }

            if (_names.TryGetValue(payloadType, out var existingName) && existingName != typeName)
            {
                throw new ArgumentException(
                    $"{payloadType.FullName} is already registered as '{existingName}'; it cannot also be '{typeName}'.",
                    nameof(payloadType));
            }

            _types[typeName] = payloadType;
            _names[payloadType] = typeName;
        }
    }

    private string Discover(Type payloadType)
    {
        var attribute = payloadType.GetCustomAttribute<EventTypeAttribute>(inherit: false)
            ?? throw new InvalidOperationException(
                $"{payloadType.FullName} has no event type name. Put [EventType(\"namespace.name\")] on it or register it with AddEventType<{payloadType.Name}>(\"namespace.name\").");
        Register(payloadType, attribute.Name);
        return attribute.Name;
    }
}
