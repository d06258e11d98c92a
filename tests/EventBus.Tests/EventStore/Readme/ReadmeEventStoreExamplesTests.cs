using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EventBus.Tests.EventStore.Readme;

/// <summary>The code of the README's "Event store" section, run as written (plus assertions).</summary>
public sealed class ReadmeEventStoreExamplesTests
{
    [Fact]
    public async Task ReadmeExamples_FourEventPatterns_CompileAndRun()
    {
        // --- README: setup ---
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddEventBus()
            .AddEventStore()                                      // in-memory store; appended events go to the bus
            .AddEventType<CartItemAdded>().AddEventType<CartCheckedOut>().AddEventType<CustomerMoved>()
            .AddAggregate("cart", Cart.Initial, Cart.Evolve, o => o.SnapshotEvery = 100)
            .AddProjection<CartTotals>("cart-totals");
        using var host = builder.Build();
        var bus = host.Services.GetRequiredService<IEventBus>();
        var streams = host.Services.GetRequiredService<IEventStreams>();

        // --- README: event notification ---
        bus.Subscribe<CartCheckedOut>(e => Console.WriteLine($"cart {e.Payload.CartId} checked out"));

        // --- README: event-carried state transfer ---
        var cities = new ConcurrentDictionary<string, string>();     // the shipping service's own copy
        bus.Subscribe<CustomerMoved>(e => cities[e.Payload.CustomerId] = e.Payload.City);

        // (test only) observe the outbox publishing both events
        var published = new Recorder<string>();
        bus.Subscribe("#", e => published.Add(e.Type));

        await host.StartAsync();
        await streams.AppendAsync("customer-42", ExpectedVersion.Any, [new CustomerMoved("42", "Lyon")]);

        // --- README: event sourcing ---
        var carts = host.Services.GetRequiredService<IAggregateRepository<Cart>>();
        var cart = await carts.LoadAsync("c-1");                       // snapshot + the events after it
        cart.Raise(new CartItemAdded("c-1", "book", 12.50m));
        cart.Raise(new CartItemAdded("c-1", "pen", 2.00m));
        cart.Raise(new CartCheckedOut("c-1"));
        var saved = await carts.SaveAsync(cart);                       // expects the version it loaded

        await foreach (var stored in streams.ReadStreamAsync("cart-c-1"))  // replay
        {
            Console.WriteLine($"v{stored.StreamVersion} at {stored.Position}: {stored.Event.Type}");
        }

        // --- README: CQRS ---
        var projections = host.Services.GetRequiredService<IProjectionManager>();
        await projections.WaitForPositionAsync("cart-totals", saved!.Value.Position, TimeSpan.FromSeconds(5));
        Console.WriteLine(host.Services.GetRequiredService<CartTotals>().Totals["c-1"]);   // 14.50

        // --- assertions (test only) ---
        host.Services.GetRequiredService<CartTotals>().Totals["c-1"].Should().Be(14.50m);
        (await carts.LoadAsync("c-1")).State.Should().Be(new Cart(14.50m, 2, true));
        saved.Value.StreamVersion.Should().Be(3);
        await published.WaitForAsync(4);
        published.Items.Should().Equal("customer.moved", "cart.item-added", "cart.item-added", "cart.checked-out");
        await host.StopAsync();                                          // drains every subscription's queue
        cities["42"].Should().Be("Lyon");
    }
}

// --- README: types ---
[EventType("cart.item-added")]
public sealed record CartItemAdded(string CartId, string Sku, decimal Price);

[EventType("cart.checked-out")]
public sealed record CartCheckedOut(string CartId);

[EventType("customer.moved")]
public sealed record CustomerMoved(string CustomerId, string City);

public sealed record Cart(decimal Total, int Items, bool CheckedOut)
{
    public static Cart Initial() => new(0m, 0, false);

    public static Cart Evolve(Cart cart, object @event) => @event switch
    {
        CartItemAdded added => cart with { Total = cart.Total + added.Price, Items = cart.Items + 1 },
        CartCheckedOut => cart with { CheckedOut = true },
        _ => cart,
    };
}

public sealed class CartTotals : IProjection                          // the read model of a CQRS query side
{
    public ConcurrentDictionary<string, decimal> Totals { get; } = new();

    public ValueTask ApplyAsync(StoredEvent stored, CancellationToken cancellationToken)
    {
        if (stored.Event.Payload is CartItemAdded added)
        {
            Totals.AddOrUpdate(added.CartId, added.Price, (_, total) => total + added.Price);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask ResetAsync(CancellationToken cancellationToken)
    {
        Totals.Clear();
        return ValueTask.CompletedTask;
    }
}
