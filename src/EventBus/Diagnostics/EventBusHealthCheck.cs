using System.Globalization;
using EventBus.DeadLetters;
using EventBus.Dispatch;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;

namespace EventBus;

/// <summary>Reports the bus unhealthy while a subscription's circuit is open or a queue is near capacity, and degraded
/// while events are being dead-lettered. Register it with <c>AddHealthCheck()</c> on the bus builder, then
/// <c>services.AddHealthChecks().AddCheck&lt;EventBusHealthCheck&gt;("eventbus")</c>.</summary>
/// <remarks>Thresholds come from <see cref="EventBusHealthCheckOptions"/> (<c>EventBus:Diagnostics:HealthCheck</c>).</remarks>
public sealed class EventBusHealthCheck : IHealthCheck
{
    private readonly ChannelEventBus _bus;
    private readonly DeadLetterSink _deadLetters;
    private readonly IOptions<EventBusOptions> _options;

    internal EventBusHealthCheck(ChannelEventBus bus, DeadLetterSink deadLetters, IOptions<EventBusOptions> options)
    {
        _bus = bus;
        _deadLetters = deadLetters;
        _options = options;
    }

    /// <summary>Checks the bus.</summary>
    /// <param name="context">The health check context.</param>
    /// <param name="cancellationToken">A token to cancel the check.</param>
    /// <returns>Unhealthy, degraded or healthy, with per-subscription data.</returns>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var settings = _options.Value.Diagnostics.HealthCheck;
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        var unhealthy = new List<string>();
        foreach (var subscription in _bus.LiveSubscriptions)
        {
            var queued = subscription.QueuedCount;
            var capacity = subscription.Lanes.Capacity;
            data[$"{subscription.Name}.queued"] = queued;
            var state = subscription.Resilience?.CircuitState;
            if (state is not null)
            {
                data[$"{subscription.Name}.circuit"] = state.Value.ToString();
            }

            if (state is CircuitState.Open or CircuitState.Isolated)
            {
                unhealthy.Add($"subscription '{subscription.Name}' circuit is {state}");
            }

            if (subscription.WorkerFailed)
            {
                unhealthy.Add($"subscription '{subscription.Name}' worker stopped unexpectedly; its events are not delivered");
            }

            if (queued >= Math.Max(1, settings.QueueCapacityThreshold * capacity))
            {
                unhealthy.Add($"subscription '{subscription.Name}' queue is near capacity ({queued}/{capacity})");
            }
        }

        var recentDeadLetters = _deadLetters.CountRecent(settings.Interval);
        data["deadLetters.recent"] = recentDeadLetters;
        data["state"] = _bus.State.ToString();

        HealthCheckResult result;
        if (unhealthy.Count > 0)
        {
            result = new HealthCheckResult(context?.Registration?.FailureStatus ?? HealthStatus.Unhealthy, string.Join("; ", unhealthy), data: data);
        }
        else if (recentDeadLetters >= settings.DeadLetterThreshold)
        {
            result = HealthCheckResult.Degraded(
                string.Create(CultureInfo.InvariantCulture, $"{recentDeadLetters} events dead-lettered within the last {settings.Interval}"), data: data);
        }
        else
        {
            result = HealthCheckResult.Healthy("Event bus is delivering", data);
        }

        return Task.FromResult(result);
    }
}
