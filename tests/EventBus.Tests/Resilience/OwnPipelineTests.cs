using EventBus.Subscriptions;
using EventBus.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Retry;
using Polly.Timeout;

namespace EventBus.Tests.Resilience;

/// <summary>
/// A subscription may bring its own Polly pipeline (<see cref="SubscriptionOptions.ResiliencePipeline"/>, or a key in
/// the container's pipeline provider): it replaces the bus's retries, limits and circuit, and the bus maps what it
/// finally returns to exactly one outcome.
/// </summary>
public sealed class OwnPipelineTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OwnPipeline_RetriesWithItsOwnStrategy_EvenWhenTheBusPolicyIsOff()
    {
        var clock = new TestClock();
        var logs = new LogRecorder();
        await using var fixture = await FailureBus.StartAsync(clock, logs, o => o.Resilience.Enabled = false);
        var handler = new FailsTwiceThenHandles();
        fixture.Bus.Subscribe<OrderPlaced>(handler.Handle, new SubscriptionOptions { Name = "own", ResiliencePipeline = Retries(2, clock) });

        await fixture.Bus.PublishAsync(new OrderPlaced("a"), cancellationToken: Ct);
        await handler.Handled.WaitForAsync(1);

        handler.Attempts.Should().Be(3);
        (await fixture.DeadLettersAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task OwnPipeline_GivesUp_DeadLettersWithEveryAttemptCounted()
    {
        var clock = new TestClock();
        var logs = new LogRecorder();
        await using var fixture = await FailureBus.StartAsync(clock, logs);
        var handled = new Recorder<string>();
        fixture.Bus.Subscribe<OrderPlaced>(e =>
        {
            if (e.Payload.OrderId == "poison")
            {
                throw new InvalidOperationException("cannot bill");
            }

            handled.Add(e.Payload.OrderId);
        }, new SubscriptionOptions { Name = "billing", ResiliencePipeline = Retries(2, clock) });

        await fixture.Bus.PublishAsync(new OrderPlaced("poison"), cancellationToken: Ct);
        await fixture.Bus.PublishAsync(new OrderPlaced("next"), cancellationToken: Ct);
        await handled.WaitForAsync(1);

        var deadLetter = (await fixture.DeadLettersAsync()).Should().ContainSingle().Subject;
        deadLetter.SubscriptionName.Should().Be("billing");
        deadLetter.Reason.Should().Be(DeadLetterReason.HandlerFailed);
        deadLetter.AttemptCount.Should().Be(3);
        deadLetter.ExceptionType.Should().Be(typeof(InvalidOperationException).FullName);
        deadLetter.ExceptionMessage.Should().Be("cannot bill");
    }

    [Fact]
    public async Task OwnPipeline_UnreadablePayload_IsNotRetriedByIt()
    {
        var clock = new TestClock();
        var logs = new LogRecorder();
        await using var fixture = await FailureBus.StartAsync(clock, logs);
        var handled = new Recorder<string>();
        fixture.Bus.Subscribe<OrderPlaced>(e => handled.Add(e.Payload.OrderId), new SubscriptionOptions { Name = "typed", ResiliencePipeline = Retries(3, clock) });

        await fixture.Bus.PublishAsync((Event)new Event("order.placed", "not an order"), Ct);
        await fixture.Bus.PublishAsync(new OrderPlaced("ok"), cancellationToken: Ct);
        await handled.WaitForAsync(1);

        var deadLetter = (await fixture.DeadLettersAsync()).Should().ContainSingle().Subject;
        deadLetter.Reason.Should().Be(DeadLetterReason.DeserializationFailed);
        deadLetter.AttemptCount.Should().Be(1);
    }

    [Fact]
    public async Task OwnPipeline_TimeoutStrategy_CancelsTheHandlerThroughItsToken()
    {
        var clock = new TestClock();
        var logs = new LogRecorder();
        await using var fixture = await FailureBus.StartAsync(clock, logs);
        var started = new Recorder<int>();
        var sawCancellation = false;
        var pipeline = new ResiliencePipelineBuilder { TimeProvider = clock }.AddTimeout(TimeSpan.FromSeconds(2)).Build();
        fixture.Bus.Subscribe<OrderPlaced>(async (_, ct) =>
        {
            started.Add(1);
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                sawCancellation = true;
                throw;
            }
        }, new SubscriptionOptions { Name = "slow", ResiliencePipeline = pipeline });

        await fixture.Bus.PublishAsync(new OrderPlaced("slow"), cancellationToken: Ct);
        await started.WaitForAsync(1);
        clock.Advance(TimeSpan.FromSeconds(2));
        await logs.WaitForAsync("EventDeadLettered");

        sawCancellation.Should().BeTrue();
        var deadLetter = (await fixture.DeadLettersAsync()).Should().ContainSingle().Subject;
        deadLetter.ExceptionType.Should().Be(typeof(TimeoutRejectedException).FullName);
        deadLetter.Reason.Should().Be(DeadLetterReason.HandlerFailed);
    }

    [Fact]
    public async Task OwnPipeline_ItsCircuitOpens_SubscriptionPausesWithEventsQueuedThenResumes()
    {
        var clock = new TestClock();
        var logs = new LogRecorder();
        await using var fixture = await FailureBus.StartAsync(clock, logs, configure: b => b.AddHealthCheck());
        var pipeline = new ResiliencePipelineBuilder { TimeProvider = clock }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = 0.5,
                MinimumThroughput = 2,
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = TimeSpan.FromSeconds(10),
            })
            .Build();
        var failing = 1;
        var attempts = new Recorder<string>();
        var handled = new Recorder<string>();
        var subscription = fixture.Bus.Subscribe<OrderPlaced>(e =>
        {
            attempts.Add(e.Payload.OrderId);
            if (Volatile.Read(ref failing) == 1)
            {
                throw new HttpRequestException("downstream down");
            }

            handled.Add(e.Payload.OrderId);
        }, new SubscriptionOptions { Name = "shipping", ResiliencePipeline = pipeline });

        foreach (var id in new[] { "1", "2", "3", "4" })
        {
            await fixture.Bus.PublishAsync(new OrderPlaced(id), cancellationToken: Ct);
        }

        await logs.WaitForAsync("SubscriptionPaused");

        // Two failures opened the pipeline's circuit: 1 and 2 are dead letters, 3 waits unattempted, 4 stays queued.
        attempts.Items.Should().Equal("1", "2");
        subscription.QueuedCount.Should().Be(1);
        (await fixture.DeadLettersAsync()).Select(d => d.Event).Cast<Event<OrderPlaced>>().Select(e => e.Payload.OrderId).Should().Equal("1", "2");

        // The bus cannot see inside the pipeline's breaker, but it knows it is paused by it: operators see it open.
        ((Subscription)subscription).Resilience!.CircuitState.Should().Be(CircuitState.Open);
        var health = await fixture.Provider.GetRequiredService<EventBusHealthCheck>().CheckHealthAsync(new HealthCheckContext(), Ct);
        health.Status.Should().Be(HealthStatus.Unhealthy);
        health.Description.Should().Contain("shipping");

        Volatile.Write(ref failing, 0);
        clock.Advance(TimeSpan.FromSeconds(10));
        await handled.WaitForAsync(2);

        handled.Items.Should().Equal("3", "4");
        (await fixture.DeadLettersAsync()).Should().HaveCount(2);
        ((Subscription)subscription).Resilience!.CircuitState.Should().Be(CircuitState.Closed);
    }

    [Fact]
    public async Task OwnPipeline_GivesUpWithFallback_FallbackHandlesTheEvent()
    {
        var clock = new TestClock();
        var logs = new LogRecorder();
        await using var fixture = await FailureBus.StartAsync(clock, logs);
        var fallbacks = new Recorder<OnFallbackArguments>();
        fixture.Bus.Subscribe<OrderPlaced>(_ => throw new InvalidOperationException("down"), new SubscriptionOptions
        {
            Name = "with-fallback",
            ResiliencePipeline = Retries(1, clock),
            Fallback = args =>
            {
                fallbacks.Add(args);
                return default;
            },
        });

        await fixture.Bus.PublishAsync(new OrderPlaced("a"), cancellationToken: Ct);
        await fallbacks.WaitForAsync(1);

        var fallback = fallbacks.Items.Single();
        fallback.Reason.Should().Be(FallbackReason.RetriesExhausted);
        fallback.AttemptCount.Should().Be(2);
        fallback.Exception.Should().BeOfType<InvalidOperationException>();
        (await fixture.DeadLettersAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task ResiliencePipelineKey_TakesThePipelineRegisteredUnderIt()
    {
        var clock = new TestClock();
        var registry = new ResiliencePipelineRegistry<string>();
        registry.TryAddBuilder("retry-twice", (builder, _) => builder.AddRetry(new RetryStrategyOptions { MaxRetryAttempts = 2, Delay = TimeSpan.Zero }));
        await using var fixture = await BusFixture.StartAsync(services: s =>
        {
            s.AddSingleton<TimeProvider>(clock);
            s.AddSingleton<ResiliencePipelineProvider<string>>(registry);
        });
        var handler = new FailsTwiceThenHandles();
        fixture.Bus.Subscribe<OrderPlaced>(handler.Handle, new SubscriptionOptions { Name = "keyed", ResiliencePipelineKey = "retry-twice" });

        await fixture.Bus.PublishAsync(new OrderPlaced("a"), cancellationToken: Ct);
        await handler.Handled.WaitForAsync(1);

        handler.Attempts.Should().Be(3);
    }

    [Fact]
    public async Task ResiliencePipelineKey_Unknown_FailsTheSubscriptionNamingTheKey()
    {
        var registry = new ResiliencePipelineRegistry<string>();
        await using var fixture = await BusFixture.StartAsync(services: s => s.AddSingleton<ResiliencePipelineProvider<string>>(registry));

        var subscribe = () => fixture.Bus.Subscribe<OrderPlaced>(_ => { }, new SubscriptionOptions { Name = "keyed", ResiliencePipelineKey = "missing" });

        subscribe.Should().Throw<ArgumentException>().WithMessage("*'keyed'*'missing'*").Which.ParamName.Should().Be("options.ResiliencePipelineKey");
    }

    [Fact]
    public async Task ResiliencePipelineKey_NoProviderRegistered_FailsNamingTheKey()
    {
        await using var fixture = await BusFixture.StartAsync();

        var subscribe = () => fixture.Bus.Subscribe<OrderPlaced>(_ => { }, new SubscriptionOptions { ResiliencePipelineKey = "orders" });

        subscribe.Should().Throw<InvalidOperationException>().WithMessage("*'orders'*AddResiliencePipeline*");
    }

    [Fact]
    public async Task OwnPipeline_CombinedWithAKeyOrTheBusPolicyOverride_IsRejected()
    {
        await using var fixture = await BusFixture.StartAsync();

        var withKey = () => fixture.Bus.Subscribe<OrderPlaced>(_ => { }, new SubscriptionOptions
        {
            ResiliencePipeline = ResiliencePipeline.Empty,
            ResiliencePipelineKey = "orders",
        });
        var withOverride = () => fixture.Bus.Subscribe<OrderPlaced>(_ => { }, new SubscriptionOptions
        {
            ResiliencePipeline = ResiliencePipeline.Empty,
            ConfigureResilience = r => r.Retry.MaxRetryAttempts = 1,
        });

        withKey.Should().Throw<ArgumentException>().WithMessage("*'orders'*not both*");
        withOverride.Should().Throw<ArgumentException>().Which.ParamName.Should().Be("options.ConfigureResilience");
        fixture.Bus.Subscriptions.Should().BeEmpty();
    }

    /// <summary>A handler whose first two attempts throw and whose third succeeds.</summary>
    private sealed class FailsTwiceThenHandles
    {
        public int Attempts { get; private set; }

        public Recorder<string> Handled { get; } = new();

        public void Handle(Event<OrderPlaced> @event)
        {
            if (++Attempts < 3)
            {
                throw new HttpRequestException("flaky");
            }

            Handled.Add(@event.Payload.OrderId);
        }
    }

    private static ResiliencePipeline Retries(int retries, TimeProvider clock) =>
        new ResiliencePipelineBuilder { TimeProvider = clock }
            .AddRetry(new RetryStrategyOptions { MaxRetryAttempts = retries, Delay = TimeSpan.Zero })
            .Build();
}
