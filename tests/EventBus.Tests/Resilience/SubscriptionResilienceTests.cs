using EventBus.Subscriptions;
using EventBus.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace EventBus.Tests.Resilience;

public sealed class SubscriptionResilienceTests
{
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Deliver_PoisonEvent_IsRetriedThenDeadLetteredWhileOtherEventsFlow()
    {
        var clock = new TestClock();
        var logs = new LogRecorder();
        await using var fixture = await FailureBus.StartAsync(clock, logs, o =>
        {
            o.Resilience.Retry.MaxRetryAttempts = 3;
            o.Resilience.Retry.Delay = TimeSpan.FromSeconds(1);
            o.Resilience.Retry.MaxDelay = MaxDelay;
        });
        var attempts = new Recorder<string>();
        var handled = new Recorder<string>();
        var audited = new Recorder<string>();
        fixture.Bus.Subscribe<OrderPlaced>(e =>
        {
            attempts.Add(e.Payload.OrderId);
            if (e.Payload.OrderId == "poison")
            {
                throw new InvalidOperationException("cannot bill");
            }

            handled.Add(e.Payload.OrderId);
        }, new SubscriptionOptions { Name = "billing" });
        fixture.Bus.Subscribe<OrderPlaced>(e => audited.Add(e.Payload.OrderId), new SubscriptionOptions { Name = "audit" });

        await fixture.Bus.PublishAsync(new OrderPlaced("poison"), cancellationToken: Ct);
        await fixture.Bus.PublishAsync(new OrderPlaced("a"), cancellationToken: Ct);
        await fixture.Bus.PublishAsync(new OrderPlaced("b"), cancellationToken: Ct);

        // The other subscription is not held up by billing's backoff.
        await audited.WaitForAsync(3);
        handled.Count.Should().Be(0);

        for (var retry = 0; retry < 3; retry++)
        {
            await clock.AdvanceWhenWaitingAsync(MaxDelay);
        }

        await handled.WaitForAsync(2);
        handled.Items.Should().Equal("a", "b");
        attempts.Items.Count(id => id == "poison").Should().Be(4);
        logs.Named("HandlerRetrying").Should().HaveCount(3);
        var deadLetter = (await fixture.DeadLettersAsync()).Should().ContainSingle().Subject;
        deadLetter.SubscriptionName.Should().Be("billing");
        deadLetter.Reason.Should().Be(DeadLetterReason.HandlerFailed);
        deadLetter.AttemptCount.Should().Be(4);
        deadLetter.ExceptionType.Should().Be(typeof(InvalidOperationException).FullName);
        deadLetter.ExceptionMessage.Should().Be("cannot bill");
        deadLetter.StackTrace.Should().NotBeNullOrEmpty();
        deadLetter.FirstFailureTime.Should().Be(clock.GetUtcNow());
    }

    [Fact]
    public async Task Deliver_HandlerRecoversDuringBackoff_IsHandledWithoutDeadLetter()
    {
        var clock = new TestClock();
        var logs = new LogRecorder();
        await using var fixture = await FailureBus.StartAsync(clock, logs, o =>
        {
            o.Resilience.Retry.MaxRetryAttempts = 5;
            o.Resilience.Retry.MaxDelay = MaxDelay;
        });
        var attempts = new Recorder<int>();
        fixture.Bus.Subscribe<OrderPlaced>(e =>
        {
            attempts.Add(1);
            if (attempts.Count < 3)
            {
                throw new TimeoutException("flaky");
            }
        });

        await fixture.Bus.PublishAsync(new OrderPlaced("1"), cancellationToken: Ct);
        await clock.AdvanceWhenWaitingAsync(MaxDelay);
        await clock.AdvanceWhenWaitingAsync(MaxDelay);
        await attempts.WaitForAsync(3);
        await fixture.Lifetime.StopAsync(Ct);

        attempts.Count.Should().Be(3);
        (await fixture.DeadLettersAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task Deliver_AttemptTimesOut_IsDeadLetteredWithTimeout()
    {
        var clock = new TestClock();
        var logs = new LogRecorder();
        await using var fixture = await FailureBus.StartAsync(clock, logs, o => o.Resilience.AttemptTimeout = TimeSpan.FromSeconds(5));
        using var metrics = new MetricRecorder(fixture.Provider);
        var started = new Recorder<int>();
        var sawCancellation = false;
        fixture.Bus.Subscribe<OrderPlaced>(async (e, ct) =>
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
        });

        await fixture.Bus.PublishAsync(new OrderPlaced("slow"), cancellationToken: Ct);
        await started.WaitForAsync(1);
        clock.Advance(TimeSpan.FromSeconds(5));
        await logs.WaitForAsync("EventDeadLettered");

        sawCancellation.Should().BeTrue();
        var deadLetter = (await fixture.DeadLettersAsync()).Should().ContainSingle().Subject;
        deadLetter.ExceptionType.Should().Be(typeof(TimeoutRejectedException).FullName);
        deadLetter.Reason.Should().Be(DeadLetterReason.HandlerFailed);
        metrics.Sum(EventBusDiagnostics.EventsFailed, "error.type", typeof(TimeoutRejectedException).FullName).Should().Be(1);
    }

    [Fact]
    public async Task Deliver_UnreadablePayload_IsDeadLetteredWithoutRetry()
    {
        var clock = new TestClock();
        var logs = new LogRecorder();
        await using var fixture = await FailureBus.StartAsync(clock, logs, o => o.Resilience.Retry.MaxRetryAttempts = 3);
        var handled = new Recorder<string>();
        fixture.Bus.Subscribe<OrderPlaced>(e => handled.Add(e.Payload.OrderId), new SubscriptionOptions { Name = "typed" });

        await fixture.Bus.PublishAsync((Event)new Event("order.placed", "not an order"), Ct);
        await fixture.Bus.PublishAsync(new OrderPlaced("ok"), cancellationToken: Ct);
        await handled.WaitForAsync(1);

        var deadLetter = (await fixture.DeadLettersAsync()).Should().ContainSingle().Subject;
        deadLetter.Reason.Should().Be(DeadLetterReason.DeserializationFailed);
        deadLetter.AttemptCount.Should().Be(1);
        logs.Named("HandlerRetrying").Should().BeEmpty();
    }

    [Fact]
    public async Task Deliver_EventOlderThanTimeToLive_IsDeadLetteredAsExpired()
    {
        var clock = new TestClock();
        var logs = new LogRecorder();
        await using var fixture = await FailureBus.StartAsync(clock, logs, o => o.TimeToLive = TimeSpan.FromMinutes(1));
        var handled = new Recorder<string>();
        fixture.Bus.Subscribe<OrderPlaced>(e => handled.Add(e.Payload.OrderId), new SubscriptionOptions { Name = "fresh-only" });

        await fixture.Bus.PublishAsync(new Event<OrderPlaced>("order.placed", new OrderPlaced("stale")) { Time = clock.GetUtcNow() - TimeSpan.FromMinutes(2) }, cancellationToken: Ct);
        await fixture.Bus.PublishAsync(new OrderPlaced("fresh"), cancellationToken: Ct);
        await handled.WaitForAsync(1);

        handled.Items.Should().Equal("fresh");
        var deadLetter = (await fixture.DeadLettersAsync()).Should().ContainSingle().Subject;
        deadLetter.Reason.Should().Be(DeadLetterReason.Expired);
        deadLetter.AttemptCount.Should().Be(0);
        logs.Named("EventExpired").Should().ContainSingle();
    }

    [Fact]
    public async Task Subscribe_PerSubscriptionTimeToLive_OverridesBusDefault()
    {
        var clock = new TestClock();
        var logs = new LogRecorder();
        await using var fixture = await FailureBus.StartAsync(clock, logs);
        var handled = new Recorder<string>();
        fixture.Bus.Subscribe<OrderPlaced>(e => handled.Add(e.Payload.OrderId), new SubscriptionOptions { TimeToLive = TimeSpan.FromSeconds(10) });

        await fixture.Bus.PublishAsync(new Event<OrderPlaced>("order.placed", new OrderPlaced("old")) { Time = clock.GetUtcNow() - TimeSpan.FromSeconds(11) }, cancellationToken: Ct);
        await logs.WaitForAsync("EventDeadLettered");

        handled.Count.Should().Be(0);
        (await fixture.DeadLettersAsync()).Single().Reason.Should().Be(DeadLetterReason.Expired);
    }

    [Fact]
    public async Task Subscribe_NoPolicy_CallsHandlerWithoutPipeline()
    {
        var clock = new TestClock();
        var logs = new LogRecorder();
        await using var fixture = await BusFixture.StartAsync(services: s => s.AddSingleton<TimeProvider>(clock));

        var direct = (Subscription)fixture.Bus.Subscribe<OrderPlaced>(_ => { }, new SubscriptionOptions { ConfigureResilience = r => r.Enabled = false });
        var nothingToApply = (Subscription)fixture.Bus.Subscribe<OrderPlaced>(_ => { }, new SubscriptionOptions
        {
            ConfigureResilience = r =>
            {
                r.Retry.MaxRetryAttempts = 0;
                r.AttemptTimeout = null;
                r.OperationTimeout = null;
                r.CircuitBreaker.Enabled = false;
            },
        });
        var defaults = (Subscription)fixture.Bus.Subscribe<OrderPlaced>(_ => { });

        direct.Resilience.Should().BeNull();
        nothingToApply.Resilience.Should().BeNull();
        defaults.Resilience.Should().NotBeNull();
        defaults.Resilience!.CircuitState.Should().Be(CircuitState.Closed);
    }

    [Fact]
    public async Task Subscribe_ResilienceOverride_AppliesToThatSubscriptionOnly()
    {
        var clock = new TestClock();
        var logs = new LogRecorder();
        await using var fixture = await FailureBus.StartAsync(clock, logs);
        var attempts = new Recorder<string>();
        fixture.Bus.Subscribe<OrderPlaced>(e =>
        {
            attempts.Add("retrying");
            throw new InvalidOperationException();
        }, new SubscriptionOptions { Name = "retrying", ConfigureResilience = r => r.Retry.MaxRetryAttempts = 2 });
        fixture.Bus.Subscribe<OrderPlaced>(e =>
        {
            attempts.Add("plain");
            throw new InvalidOperationException();
        }, new SubscriptionOptions { Name = "plain" });

        await fixture.Bus.PublishAsync(new OrderPlaced("x"), cancellationToken: Ct);
        await clock.AdvanceWhenWaitingAsync(MaxDelay);
        await clock.AdvanceWhenWaitingAsync(MaxDelay);
        await logs.WaitForAsync("EventDeadLettered", 2);

        attempts.Items.Count(a => a == "retrying").Should().Be(3);
        attempts.Items.Count(a => a == "plain").Should().Be(1);
        var deadLetters = await fixture.DeadLettersAsync();
        deadLetters.Single(d => d.SubscriptionName == "retrying").AttemptCount.Should().Be(3);
        deadLetters.Single(d => d.SubscriptionName == "plain").AttemptCount.Should().Be(1);
    }

    [Fact]
    public async Task CircuitOpen_KeepsEventsQueued_ThenResumesHalfOpen()
    {
        var clock = new TestClock();
        var logs = new LogRecorder();
        await using var fixture = await FailureBus.StartAsync(clock, logs, o =>
        {
            o.Resilience.CircuitBreaker.Enabled = true;
            o.Resilience.CircuitBreaker.MinimumThroughput = 2;
            o.Resilience.CircuitBreaker.BreakDuration = TimeSpan.FromSeconds(10);
        }, b => b.AddHealthCheck());
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
        }, new SubscriptionOptions { Name = "shipping" });

        foreach (var id in new[] { "1", "2", "3", "4" })
        {
            await fixture.Bus.PublishAsync(new OrderPlaced(id), cancellationToken: Ct);
        }

        await logs.WaitForAsync("SubscriptionPaused");

        // Two failures opened the circuit; event 3 waits (not attempted, not failed), event 4 is still queued.
        attempts.Items.Should().Equal("1", "2");
        subscription.QueuedCount.Should().Be(1);
        ((Subscription)subscription).Resilience!.CircuitState.Should().Be(CircuitState.Open);
        (await fixture.DeadLettersAsync()).Select(d => d.Event).Cast<Event<OrderPlaced>>().Select(e => e.Payload.OrderId).Should().Equal("1", "2");
        var health = await fixture.Provider.GetRequiredService<EventBusHealthCheck>().CheckHealthAsync(new HealthCheckContext(), Ct);
        health.Status.Should().Be(HealthStatus.Unhealthy);
        health.Description.Should().Contain("shipping");

        Volatile.Write(ref failing, 0);
        clock.Advance(TimeSpan.FromSeconds(10));
        await handled.WaitForAsync(2);

        handled.Items.Should().Equal("3", "4");
        logs.Named("CircuitHalfOpened").Should().ContainSingle();
        logs.Named("CircuitClosed").Should().ContainSingle();
        ((Subscription)subscription).Resilience!.CircuitState.Should().Be(CircuitState.Closed);
        (await fixture.DeadLettersAsync()).Should().HaveCount(2);
    }

    [Fact]
    public async Task CircuitOpen_ProbeFailsAgain_PausesAgainWithoutLosingEvents()
    {
        var clock = new TestClock();
        var logs = new LogRecorder();
        await using var fixture = await FailureBus.StartAsync(clock, logs, o =>
        {
            o.Resilience.CircuitBreaker.Enabled = true;
            o.Resilience.CircuitBreaker.MinimumThroughput = 2;
            o.Resilience.CircuitBreaker.BreakDuration = TimeSpan.FromSeconds(10);
        });
        var failing = 1;
        var handled = new Recorder<string>();
        fixture.Bus.Subscribe<OrderPlaced>(e =>
        {
            if (Volatile.Read(ref failing) == 1)
            {
                throw new HttpRequestException("still down");
            }

            handled.Add(e.Payload.OrderId);
        }, new SubscriptionOptions { Name = "shipping" });

        foreach (var id in new[] { "1", "2", "3", "4" })
        {
            await fixture.Bus.PublishAsync(new OrderPlaced(id), cancellationToken: Ct);
        }

        await logs.WaitForAsync("SubscriptionPaused");
        clock.Advance(TimeSpan.FromSeconds(10));

        // The half-open probe (event 3) fails: the circuit opens again. Event 3 used its one attempt and is
        // dead-lettered; event 4 waits for the next probe.
        await logs.WaitForAsync("SubscriptionPaused", 2);
        (await fixture.DeadLettersAsync()).Should().HaveCount(3);

        Volatile.Write(ref failing, 0);
        clock.Advance(TimeSpan.FromSeconds(10));
        await handled.WaitForAsync(1);
        handled.Items.Should().Equal("4");
    }

    [Fact]
    public async Task Fallback_RetriesExhausted_HandlesEventInsteadOfDeadLetter()
    {
        var clock = new TestClock();
        var logs = new LogRecorder();
        await using var fixture = await FailureBus.StartAsync(clock, logs);
        var fallbacks = new Recorder<OnFallbackArguments>();
        fixture.Bus.Subscribe<OrderPlaced>(_ => throw new InvalidOperationException("primary down"), new SubscriptionOptions
        {
            Name = "with-fallback",
            ConfigureResilience = r =>
            {
                r.Retry.MaxRetryAttempts = 2;
                r.Retry.Delay = TimeSpan.Zero;
            },
            Fallback = args =>
            {
                fallbacks.Add(args);
                return default;
            },
        });

        await fixture.Bus.PublishAsync(new OrderPlaced("1"), cancellationToken: Ct);
        await fallbacks.WaitForAsync(1);
        await logs.WaitForAsync("FallbackHandled");

        var call = fallbacks.Items.Single();
        call.Reason.Should().Be(FallbackReason.RetriesExhausted);
        call.AttemptCount.Should().Be(3);
        call.Exception.Should().BeOfType<InvalidOperationException>().Which.Message.Should().Be("primary down");
        call.SubscriptionName.Should().Be("with-fallback");
        Event<OrderPlaced>.From(call.Event).Payload.OrderId.Should().Be("1");
        (await fixture.DeadLettersAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task Fallback_Throws_EventIsDeadLetteredWithHandlerFailure()
    {
        var clock = new TestClock();
        var logs = new LogRecorder();
        await using var fixture = await FailureBus.StartAsync(clock, logs);
        fixture.Bus.Subscribe<OrderPlaced>(_ => throw new InvalidOperationException("primary down"), new SubscriptionOptions
        {
            Fallback = _ => throw new NotSupportedException("fallback down"),
        });

        await fixture.Bus.PublishAsync(new OrderPlaced("1"), cancellationToken: Ct);
        await logs.WaitForAsync("EventDeadLettered");

        logs.Named("FallbackFailed").Should().ContainSingle();
        var deadLetter = (await fixture.DeadLettersAsync()).Single();
        deadLetter.ExceptionType.Should().Be(typeof(InvalidOperationException).FullName);
    }

    [Fact]
    public async Task Fallback_CircuitOpen_HandlesEventsWithoutPausing()
    {
        var clock = new TestClock();
        var logs = new LogRecorder();
        await using var fixture = await FailureBus.StartAsync(clock, logs, o =>
        {
            o.Resilience.CircuitBreaker.Enabled = true;
            o.Resilience.CircuitBreaker.MinimumThroughput = 2;
        });
        var fallbacks = new Recorder<(string Id, FallbackReason Reason)>();
        fixture.Bus.Subscribe<OrderPlaced>(_ => throw new InvalidOperationException(), new SubscriptionOptions
        {
            Fallback = args =>
            {
                fallbacks.Add((Event<OrderPlaced>.From(args.Event).Payload.OrderId, args.Reason));
                return default;
            },
        });

        foreach (var id in new[] { "1", "2", "3", "4" })
        {
            await fixture.Bus.PublishAsync(new OrderPlaced(id), cancellationToken: Ct);
        }

        await fallbacks.WaitForAsync(4);
        fallbacks.Items.Should().Equal(
            ("1", FallbackReason.RetriesExhausted),
            ("2", FallbackReason.RetriesExhausted),
            ("3", FallbackReason.CircuitOpen),
            ("4", FallbackReason.CircuitOpen));
        logs.Named("SubscriptionPaused").Should().BeEmpty();
    }

    [Fact]
    public async Task Fallback_DisabledByConfiguration_DeadLettersInstead()
    {
        var clock = new TestClock();
        var logs = new LogRecorder();
        await using var fixture = await FailureBus.StartAsync(clock, logs, o => o.Resilience.FallbackEnabled = false);
        var fallbacks = 0;
        fixture.Bus.Subscribe<OrderPlaced>(_ => throw new InvalidOperationException(), new SubscriptionOptions
        {
            Fallback = _ =>
            {
                Interlocked.Increment(ref fallbacks);
                return default;
            },
        });

        await fixture.Bus.PublishAsync(new OrderPlaced("1"), cancellationToken: Ct);
        await logs.WaitForAsync("EventDeadLettered");

        fallbacks.Should().Be(0);
    }

    [Fact]
    public async Task Stop_WhilePausedOnOpenCircuit_DeadLettersWaitingEventsAsNotDrained()
    {
        var clock = new TestClock();
        var logs = new LogRecorder();
        await using var fixture = await FailureBus.StartAsync(clock, logs, o =>
        {
            o.DrainTimeout = TimeSpan.FromSeconds(1);
            o.Resilience.CircuitBreaker.Enabled = true;
            o.Resilience.CircuitBreaker.MinimumThroughput = 2;
            o.Resilience.CircuitBreaker.BreakDuration = TimeSpan.FromMinutes(1);
        });
        fixture.Bus.Subscribe<OrderPlaced>(_ => throw new InvalidOperationException(), new SubscriptionOptions { Name = "stuck" });
        foreach (var id in new[] { "1", "2", "3", "4" })
        {
            await fixture.Bus.PublishAsync(new OrderPlaced(id), cancellationToken: Ct);
        }

        await logs.WaitForAsync("SubscriptionPaused");
        var stopping = fixture.Lifetime.StopAsync(Ct).AsTask();
        await clock.AdvanceWhenWaitingAsync(TimeSpan.FromSeconds(1));
        await stopping;

        var deadLetters = await fixture.DeadLettersAsync();
        deadLetters.Select(d => d.Reason).Should().Equal(
            DeadLetterReason.HandlerFailed, DeadLetterReason.HandlerFailed, DeadLetterReason.NotDrained, DeadLetterReason.NotDrained);
    }
}
