using Microsoft.Extensions.DependencyInjection;

namespace EventBus.Contracts.TestSupport;

/// <summary>Publishes through <see cref="IAcknowledgingPublisher"/>, so a test can wait until every subscription has
/// finished with an event (its handler's saves, arming and outbox included) instead of for something the handler
/// published on the way.</summary>
public static class AcknowledgedPublish
{
    /// <summary>Publishes <paramref name="payload"/> on the bus of <paramref name="provider"/> under its registered
    /// type name and returns once every matching subscription accepted it.</summary>
    public static async Task<DeliveryReceipt> PublishAcknowledgedAsync<T>(
        this IServiceProvider provider, T payload, string? id = null, string? correlationId = null, CancellationToken cancellationToken = default)
        where T : notnull
    {
        var @event = new Event<T>(provider.GetRequiredService<IEventTypeRegistry>().GetTypeName<T>(), payload);
        if (id is not null)
        {
            @event = @event with { Id = id };
        }

        if (correlationId is not null)
        {
            @event = @event with { CorrelationId = correlationId };
        }

        return await provider.GetRequiredService<IAcknowledgingPublisher>().PublishAsync(@event, cancellationToken).ConfigureAwait(false);
    }
}
