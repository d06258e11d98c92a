using EventBus.Tests.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EventBus.Tests.Dispatch;

public class LifecycleTests
{
    [Fact]
    public async Task StopAsync_DrainsEveryQueuedEventBeforeReturning()
    {
        await using var fx = await BusFixture.StartAsync();
        var handled = new Recorder<int>();
        fx.Bus.Subscribe("job.run", async e =>
        {
            await Task.Yield();
            handled.Add((int)e.Payload!);
        });
        for (var i = 0; i < 1_000; i++)
        {
            await fx.Bus.PublishAsync(new Event("job.run", i));
        }

        await fx.Lifetime.StopAsync();

        handled.Count.Should().Be(1_000);
        fx.Lifetime.State.Should().Be(EventBusState.Stopped);
        (await fx.DeadLettersAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task PublishAsync_AfterStop_ThrowsEventBusClosedException()
    {
        await using var fx = await BusFixture.StartAsync();
        await fx.Lifetime.StopAsync();

        var publish = async () => await fx.Bus.PublishAsync(new OrderPlaced("late"));
        var subscribe = () => fx.Bus.Subscribe("#", _ => { });

        await publish.Should().ThrowAsync<EventBusClosedException>();
        subscribe.Should().Throw<EventBusClosedException>();
    }

    [Fact]
    public async Task StopAsync_DrainTimeoutPasses_HandlersCancelledAndRestDeadLetteredNotDrained()
    {
        var time = new FakeTimeProvider();
        var store = new RecordingDeadLetterStore();
        await using var fx = await BusFixture.StartAsync(
            options: o => o.DrainTimeout = TimeSpan.FromSeconds(10),
            services: s => s.AddSingleton<TimeProvider>(time).AddSingleton<IDeadLetterStore>(store));
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        fx.Bus.Subscribe("job.run", async (e, ct) =>
        {
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
        }, new SubscriptionOptions { Name = "stuck" });
        for (var i = 0; i < 3; i++)
        {
            await fx.Bus.PublishAsync(new Event("job.run", i));
        }

        await started.Task;

        var stopping = fx.Lifetime.StopAsync().AsTask();
        stopping.IsCompleted.Should().BeFalse("the handler is still busy and the drain timeout has not passed");
        time.Advance(TimeSpan.FromSeconds(10));
        await stopping.WaitAsync(TimeSpan.FromSeconds(30));

        var entries = store.Entries.Items;
        entries.Should().HaveCount(3, "the in-flight event and the two queued ones are all accounted for");
        entries.Should().OnlyContain(d => d.Reason == DeadLetterReason.NotDrained && d.SubscriptionName == "stuck");
        entries.Select(d => (int)d.Event.Payload!).Should().BeEquivalentTo([0, 1, 2]);
    }

    [Fact]
    public async Task StopAsync_CalledTwice_IsIdempotent()
    {
        await using var fx = await BusFixture.StartAsync();

        await fx.Lifetime.StopAsync();
        await fx.Lifetime.StopAsync();

        fx.Lifetime.State.Should().Be(EventBusState.Stopped);
    }

    [Fact]
    public async Task WithoutHost_BusStartsOnFirstUseAndStopsWhenProviderIsDisposed()
    {
        var services = new ServiceCollection();
        services.AddEventBus();
        var provider = services.BuildServiceProvider();
        var bus = provider.GetRequiredService<IEventBus>();
        var lifetime = provider.GetRequiredService<IEventBusLifetime>();
        var handled = new Recorder<string>();

        lifetime.State.Should().Be(EventBusState.Created);
        bus.Subscribe<OrderPlaced>(e => handled.Add(e.Payload.OrderId));
        await bus.PublishAsync(new OrderPlaced("o-1"));
        lifetime.State.Should().Be(EventBusState.Running);
        await provider.DisposeAsync();

        handled.Items.Should().Equal("o-1");
        lifetime.State.Should().Be(EventBusState.Stopped);
    }

    [Fact]
    public async Task GenericHost_RunsBusAsHostedService()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<Recorder<string>>();
        builder.Services.AddEventBus().AddHandler<OrderPlaced, RecordingOrderHandler>();
        using var host = builder.Build();

        await host.StartAsync();
        var lifetime = host.Services.GetRequiredService<IEventBusLifetime>();
        lifetime.State.Should().Be(EventBusState.Running);
        await host.Services.GetRequiredService<IEventBus>().PublishAsync(new OrderPlaced("o-7"));
        await host.StopAsync();

        host.Services.GetRequiredService<Recorder<string>>().Items.Should().Equal("o-7");
        lifetime.State.Should().Be(EventBusState.Stopped);
    }

    [Theory]
    [InlineData("Capacity", "0", "EventBus:Capacity")]
    [InlineData("MaxConcurrency", "0", "EventBus:MaxConcurrency")]
    [InlineData("DrainTimeout", "-00:00:01", "EventBus:DrainTimeout")]
    [InlineData("Source", " ", "EventBus:Source")]
    public async Task StartAsync_InvalidOptions_FailsNamingTheSetting(string key, string value, string expected)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [$"EventBus:{key}"] = value })
            .Build();
        var services = new ServiceCollection();
        services.AddEventBus();
        services.Configure<EventBusOptions>(configuration.GetSection(EventBusOptions.SectionName));
        await using var provider = services.BuildServiceProvider();

        var act = async () => await provider.GetRequiredService<IEventBusLifetime>().StartAsync();

        await act.Should().ThrowAsync<OptionsValidationException>().WithMessage($"*{expected}*");
    }

    [Fact]
    public async Task Options_BoundFromEventBusSection_AreUsedBySubscriptions()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["EventBus:Capacity"] = "1",
                ["EventBus:OverflowPolicy"] = "Fail",
                ["EventBus:Source"] = "/billing",
                ["EventBus:DrainTimeout"] = "00:00:05",
            })
            .Build();
        await using var fx = await BusFixture.StartAsync(services: s => s.Configure<EventBusOptions>(configuration.GetSection("EventBus")));
        var options = fx.Provider.GetRequiredService<IOptions<EventBusOptions>>().Value;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        fx.Bus.Subscribe("job.run", async _ =>
        {
            started.TrySetResult();
            await gate.Task;
        });
        await fx.Bus.PublishAsync(new Event("job.run"));
        await started.Task;
        await fx.Bus.PublishAsync(new Event("job.run"));

        var overflow = async () => await fx.Bus.PublishAsync(new Event("job.run"));

        options.DrainTimeout.Should().Be(TimeSpan.FromSeconds(5));
        options.Source.Should().Be("/billing");
        await overflow.Should().ThrowAsync<SubscriptionOverflowException>();
        gate.SetResult();
    }

    [Fact]
    public void AddEventBus_CalledTwice_RegistersOneBus()
    {
        var services = new ServiceCollection();
        services.AddEventBus();
        services.AddEventBus(o => o.Capacity = 5);

        services.Count(d => d.ServiceType == typeof(IEventBus)).Should().Be(1);
        services.Count(d => d.ServiceType == typeof(IHostedService)).Should().Be(1);
        using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<IOptions<EventBusOptions>>().Value.Capacity.Should().Be(5);
    }

    public sealed class RecordingOrderHandler(Recorder<string> recorder) : IEventHandler<OrderPlaced>
    {
        public ValueTask HandleAsync(Event<OrderPlaced> @event, CancellationToken cancellationToken)
        {
            recorder.Add(@event.Payload.OrderId);
            return default;
        }
    }
}
