using System.Text.Json.Serialization;
using EventBus.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EventBus.Tests.EventStore;

/// <summary>Builds service providers with the event store, and the domain events the store tests use.</summary>
public static class StoreFixture
{
    public static ServiceProvider Build(Action<IEventStoreBuilder>? configure = null, Action<EventStoreOptions>? options = null, Action<IServiceCollection>? services = null)
    {
        var collection = new ServiceCollection();
        services?.Invoke(collection);
        var builder = collection.AddEventBus().AddEventStore(options);
        builder.AddEventType<OrderPlaced>().AddEventType<OrderShipped>().AddEventType<Deposited>().AddEventType<Withdrawn>();
        configure?.Invoke(builder);
        return collection.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
    }

    public static async Task<List<T>> ToListAsync<T>(this IAsyncEnumerable<T> source)
    {
        var list = new List<T>();
        await foreach (var item in source)
        {
            list.Add(item);
        }

        return list;
    }
}

[EventType("account.deposited")]
public sealed record Deposited(decimal Amount);

[EventType("account.withdrawn")]
public sealed record Withdrawn(decimal Amount);

public sealed record AccountState(decimal Balance, int Transactions)
{
    public static AccountState Initial() => new(0m, 0);

    public static AccountState Evolve(AccountState state, object @event) => @event switch
    {
        Deposited d => state with { Balance = state.Balance + d.Amount, Transactions = state.Transactions + 1 },
        Withdrawn w => state with { Balance = state.Balance - w.Amount, Transactions = state.Transactions + 1 },
        _ => state,
    };
}

[JsonSerializable(typeof(OrderPlaced))]
[JsonSerializable(typeof(Deposited))]
[JsonSerializable(typeof(AccountState))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
public sealed partial class StoreJsonContext : JsonSerializerContext;

/// <summary>Captures log entries so tests can assert what was logged.</summary>
public sealed class ListLoggerProvider : ILoggerProvider
{
    private readonly List<(EventId Id, LogLevel Level, string Message)> _entries = [];

    public IReadOnlyList<(EventId Id, LogLevel Level, string Message)> Entries
    {
        get
        {
            lock (_entries)
            {
                return [.. _entries];
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => new ListLogger(this);

    public void Dispose()
    {
    }

    private sealed class ListLogger(ListLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (owner._entries)
            {
                owner._entries.Add((eventId, logLevel, formatter(state, exception)));
            }
        }
    }
}
