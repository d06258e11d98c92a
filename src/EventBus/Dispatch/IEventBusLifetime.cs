namespace EventBus;

/// <summary>Starts and stops the bus. A generic host does this through a hosted service; without a host, call it
/// yourself (or just use the bus, which starts on first use, and dispose the service provider to stop it).</summary>
public interface IEventBusLifetime
{
    /// <summary>Gets the current state.</summary>
    EventBusState State { get; }

    /// <summary>Validates the options and starts delivering, subscribing the registered DI handlers.</summary>
    /// <param name="cancellationToken">A token to cancel the start.</param>
    /// <returns>A task that completes when the bus runs.</returns>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid.</exception>
    /// <exception cref="EventBusClosedException">The bus was already stopped.</exception>
    ValueTask StartAsync(CancellationToken cancellationToken = default);

    /// <summary>Stops intake, drains queued events within <see cref="EventBusOptions.DrainTimeout"/>, then cancels
    /// handlers and dead-letters whatever is left.</summary>
    /// <param name="cancellationToken">Ends the drain early, as if the timeout had passed.</param>
    /// <returns>A task that completes when the bus has stopped.</returns>
    ValueTask StopAsync(CancellationToken cancellationToken = default);
}
