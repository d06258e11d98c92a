using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;

namespace EventBus;

/// <summary>Configures where dead letters are kept.</summary>
public static class DeadLetterBuilderExtensions
{
    /// <summary>Replaces the in-memory dead-letter store with another (a durable one, typically).</summary>
    /// <typeparam name="TStore">The store type, registered as a singleton.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IEventBusBuilder UseDeadLetterStore<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TStore>(this IEventBusBuilder builder)
        where TStore : class, IDeadLetterStore
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<IDeadLetterStore, TStore>();
        return builder;
    }
}
