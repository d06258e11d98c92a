using EventBus.DependencyInjection;
using EventBus.Sagas;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace EventBus;

/// <summary>Adds sagas to the bus.</summary>
public static class SagaBuilderExtensions
{
    /// <summary>Adds a saga: one subscription per event type it declares, subscribed when the bus starts, with the
    /// correlation key as ordering key. Instances live in the registered <see cref="ISagaStore"/> (in memory unless
    /// another store is registered).</summary>
    /// <typeparam name="TSaga">The saga type.</typeparam>
    /// <typeparam name="TState">The saga's state.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Configures the saga's <see cref="SagaOptions"/>.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="InvalidOperationException">The saga declares no start event.</exception>
    /// <exception cref="ArgumentException">A saga of the same name is already added, or an option is invalid.</exception>
    public static IEventBusBuilder AddSaga<TSaga, TState>(this IEventBusBuilder builder, Action<SagaOptions>? configure = null)
        where TSaga : Saga<TState>, new()
        where TState : class, new() =>
        builder.AddSaga(new TSaga(), configure);

    /// <summary>Adds a saga object, for sagas constructed with settings.</summary>
    /// <typeparam name="TState">The saga's state.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <param name="saga">The saga; it serves every instance, concurrently.</param>
    /// <param name="configure">Configures the saga's <see cref="SagaOptions"/>.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="InvalidOperationException">The saga declares no start event.</exception>
    /// <exception cref="ArgumentException">A saga of the same name is already added, or an option is invalid.</exception>
    public static IEventBusBuilder AddSaga<TState>(this IEventBusBuilder builder, Saga<TState> saga, Action<SagaOptions>? configure = null)
        where TState : class, new()
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(saga);
        var definition = SagaDefinition<TState>.Create(saga);
        var options = new SagaOptions();
        configure?.Invoke(options);
        options.Validate(definition.Name);

        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(SagaNameMarker) && d.ServiceKey is string name && name == definition.Name))
        {
            throw new ArgumentException($"A saga named '{definition.Name}' is already added; give the other one a different Name.", nameof(saga));
        }

        services.AddKeyedSingleton(definition.Name, new SagaNameMarker());
        services.TryAddSingleton<ISagaStore, InMemorySagaStore>();
        services.AddKeyedSingleton(definition.Name, (sp, _) => new SagaRunner<TState>(
            definition,
            options,
            sp.GetRequiredService<ISagaStore>(),
            sp.GetRequiredService<IEventBus>(),
            sp.GetRequiredService<IAcknowledgingPublisher>(),
            sp.GetRequiredService<IEventTypeRegistry>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IServiceScopeFactory>(),
            sp.GetRequiredService<ILogger<SagaRunner<TState>>>()));

        foreach (var handler in definition.Handlers)
        {
            services.AddSingleton(new HandlerRegistration(
                types => TopicPattern.Exact(types.GetTypeName(handler.PayloadType)),
                definition.SagaType,
                subscription =>
                {
                    subscription.MaxConcurrency = options.MaxConcurrency;
                    subscription.OrderingKey = e => handler.CorrelationKeyOf(definition.Name, e);
                },
                scopes =>
                {
                    SagaRunner<TState> runner;
                    using (var scope = scopes.CreateScope())
                    {
                        runner = scope.ServiceProvider.GetRequiredKeyedService<SagaRunner<TState>>(definition.Name);
                    }

                    runner.Start();
                    return (@event, cancellationToken) => runner.HandleAsync(handler, @event, cancellationToken);
                }));
        }

        return builder;
    }
}
