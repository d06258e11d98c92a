using EventBus.Benchmarks.Support;
using JasperFx.CodeGeneration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Wolverine;

namespace EventBus.Benchmarks.Peers;

/// <summary>Wolverine 6 local queues: every handler type on its own queue (<c>MultipleHandlerBehavior.Separated</c>).</summary>
public sealed class WolverineLocalQueuesTarget : IDispatchTarget
{
    private readonly IHost _host;
    private readonly IMessageBus _bus;
    private readonly BenchMessage[] _messages;

    private WolverineLocalQueuesTarget(IHost host, BenchMessage[] messages)
    {
        _host = host;
        _bus = host.Services.GetRequiredService<IMessageBus>();
        _messages = messages;
    }

    public static async Task<WolverineLocalQueuesTarget> CreateAsync(int subscribers, IDeliveryObserver observer, BenchMessage[] messages)
    {
        if (subscribers > WolverineSink.HandlerTypes.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(subscribers), subscribers, $"At most {WolverineSink.HandlerTypes.Length} Wolverine subscribers.");
        }

        WolverineSink.Observer = observer;
        var host = await Host.CreateDefaultBuilder()
            .ConfigureLogging(logging => logging.ClearProviders())
            .UseWolverine(opts =>
            {
                opts.ApplicationAssembly = typeof(WolverineLocalQueuesTarget).Assembly;
                opts.CodeGeneration.TypeLoadMode = TypeLoadMode.Dynamic;
                opts.MultipleHandlerBehavior = MultipleHandlerBehavior.Separated;
                opts.Discovery.DisableConventionalDiscovery();
                foreach (var handlerType in WolverineSink.HandlerTypes.Take(subscribers))
                {
                    opts.Discovery.IncludeType(handlerType);
                }
            })
            .StartAsync();
        return new WolverineLocalQueuesTarget(host, messages);
    }

    public ValueTask PublishAsync(int index) => _bus.PublishAsync(_messages[index]);

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
