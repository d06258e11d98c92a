using Microsoft.Extensions.DependencyInjection;

namespace EventBus.Tests.TestSupport;

/// <summary>A started bus built from a fresh service provider; disposing it stops the bus.</summary>
public sealed class BusFixture : IAsyncDisposable
{
    private BusFixture(ServiceProvider provider)
    {
        Provider = provider;
        Bus = provider.GetRequiredService<IEventBus>();
        Lifetime = provider.GetRequiredService<IEventBusLifetime>();
        DeadLetters = provider.GetRequiredService<IDeadLetterStore>();
    }

    public ServiceProvider Provider { get; }

    public IEventBus Bus { get; }

    public IEventBusLifetime Lifetime { get; }

    public IDeadLetterStore DeadLetters { get; }

    public static async Task<BusFixture> StartAsync(Action<IEventBusBuilder>? configure = null, Action<EventBusOptions>? options = null, Action<IServiceCollection>? services = null)
    {
        var collection = new ServiceCollection();
        services?.Invoke(collection);
        var builder = collection.AddEventBus(options);
        configure?.Invoke(builder);
        var provider = collection.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
        var fixture = new BusFixture(provider);
        await fixture.Lifetime.StartAsync();
        return fixture;
    }

    public async Task<List<DeadLetter>> DeadLettersAsync(DeadLetterQuery? query = null)
    {
        var list = new List<DeadLetter>();
        await foreach (var entry in DeadLetters.QueryAsync(query ?? DeadLetterQuery.All))
        {
            list.Add(entry);
        }

        return list;
    }

    public async ValueTask DisposeAsync() => await Provider.DisposeAsync();
}
