using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EventBus.Tests.TestSupport;

/// <summary>Starts a bus on a <see cref="TestClock"/> with recorded logs, for failure-handling tests.</summary>
public static class FailureBus
{
    public static Task<BusFixture> StartAsync(TestClock clock, LogRecorder logs, Action<EventBusOptions>? options = null, Action<IEventBusBuilder>? configure = null) =>
        BusFixture.StartAsync(
            configure,
            o =>
            {
                // Quiet defaults; each test turns on what it exercises.
                o.Resilience.Retry.MaxRetryAttempts = 0;
                o.Resilience.AttemptTimeout = null;
                o.Resilience.OperationTimeout = null;
                o.Resilience.CircuitBreaker.Enabled = false;
                options?.Invoke(o);
            },
            services =>
            {
                services.AddSingleton<TimeProvider>(clock);
                services.AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
            });
}
