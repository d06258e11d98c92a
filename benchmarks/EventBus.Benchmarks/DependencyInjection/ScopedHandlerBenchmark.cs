using BenchmarkDotNet.Attributes;
using EventBus.Benchmarks.Dispatch;
using EventBus.Benchmarks.Peers;
using EventBus.Benchmarks.Support;
using Microsoft.Extensions.DependencyInjection;

namespace EventBus.Benchmarks.DependencyInjection;

/// <summary>
/// The cost of a DI handler (<c>AddHandler&lt;T, THandler&gt;</c>: a fresh scope, the handler and its scoped
/// dependency resolved per event, the scope disposed) next to a delegate subscription, one subscriber each.
/// </summary>
[MemoryDiagnoser]
public class ScopedHandlerBenchmark
{
    private const int EventsPerInvocation = 4096;

    private DispatchRun _run = null!;

    [GlobalSetup(Target = nameof(DelegateHandler))]
    public async Task SetupDelegateAsync()
    {
        var countdown = new DeliveryCountdown(1);
        var target = await EventBusTarget.CreateAsync(1, countdown, BenchEvents.Envelopes(EventsPerInvocation));
        _run = new DispatchRun(target, countdown, EventsPerInvocation);
    }

    [GlobalSetup(Target = nameof(ScopedDiHandler))]
    public async Task SetupScopedAsync()
    {
        var countdown = new DeliveryCountdown(1);
        var target = await EventBusTarget.CreateAsync(
            0,
            countdown,
            BenchEvents.Envelopes(EventsPerInvocation),
            configure: builder => builder.AddHandler<BenchPayload, ScopedBenchHandler>(),
            services: services => services.AddSingleton<IDeliveryObserver>(countdown).AddScoped<ScopedDependency>());
        _run = new DispatchRun(target, countdown, EventsPerInvocation);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = EventsPerInvocation)]
    public Task DelegateHandler() => _run.RunAsync();

    [Benchmark(OperationsPerInvoke = EventsPerInvocation)]
    public Task ScopedDiHandler() => _run.RunAsync();

    [GlobalCleanup]
    public Task CleanupAsync() => _run.DisposeAsync().AsTask();
}
