namespace EventBus;

internal sealed record EventTypeRegistration(Type PayloadType, string TypeName);
