using EventBus.Resilience;
using EventBus.Subscriptions;
using EventBus.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Polly.CircuitBreaker;

namespace EventBus.Tests.Resilience;

/// <summary>The circuit breaker kept outside the pipeline, so that a success costs no pipeline execution: the same rules
/// as Polly's (failure ratio over a sliding window, minimum throughput, break, one half-open probe).</summary>
public sealed class CircuitTests
{
    private static readonly Exception Failure = new InvalidOperationException("downstream down");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void OnFailure_RatioReachedWithMinimumThroughput_Opens()
    {
        var (circuit, clock) = Create(minimumThroughput: 4, failureRatio: 0.5);

        Succeed(circuit, clock, 2);
        circuit.OnFailure(Failure);
        circuit.State.Should().Be(CircuitState.Closed, "3 attempts are below the minimum throughput of 4");

        circuit.OnFailure(Failure);

        circuit.State.Should().Be(CircuitState.Open, "2 of 4 attempts failed: the ratio 0.5 is reached");
        circuit.TryEnter(out var retryAfter).Should().BeFalse();
        retryAfter.Should().Be(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void OnFailure_SuccessesInTheWindowKeepTheRatioBelowThreshold_StaysClosed()
    {
        var (circuit, clock) = Create(minimumThroughput: 4, failureRatio: 0.5);

        Succeed(circuit, clock, 100);
        for (var i = 0; i < 10; i++)
        {
            circuit.OnFailure(Failure);
        }

        circuit.State.Should().Be(CircuitState.Closed, "10 failures in 110 attempts is a ratio of 0.09");
    }

    [Fact]
    public void OnFailure_SuccessesOlderThanTheSamplingDuration_NoLongerCount()
    {
        var (circuit, clock) = Create(minimumThroughput: 4, failureRatio: 0.5, samplingDuration: TimeSpan.FromSeconds(30));

        Succeed(circuit, clock, 100);
        clock.Advance(TimeSpan.FromSeconds(31));
        for (var i = 0; i < 4; i++)
        {
            circuit.OnFailure(Failure);
        }

        circuit.State.Should().Be(CircuitState.Open, "the 100 successes left the 30-second window");
    }

    [Fact]
    public void OnSuccess_RightAfterABucketBoundary_CountsInTheNewBucket()
    {
        // 30-second window in buckets of 3 seconds; successes are counted without the lock into the bucket of their time.
        var (circuit, clock) = Create(minimumThroughput: 4, failureRatio: 0.5, samplingDuration: TimeSpan.FromSeconds(30));
        clock.Advance(TimeSpan.FromSeconds(3) - TimeSpan.FromMilliseconds(1));
        Succeed(circuit, clock, 1);

        clock.Advance(TimeSpan.FromMilliseconds(1));
        Succeed(circuit, clock, 100);
        clock.Advance(TimeSpan.FromSeconds(29.5));
        for (var i = 0; i < 4; i++)
        {
            circuit.OnFailure(Failure);
        }

        circuit.State.Should().Be(
            CircuitState.Closed,
            "the 100 successes from second 3 are still in the window at second 32.5 (only the one from second 2.999 left it): 4 failures in 104 attempts");
    }

    [Fact]
    public void OnSuccess_LastBeforeABucketBoundary_LeavesTheWindowWithItsBucket()
    {
        var (circuit, clock) = Create(minimumThroughput: 4, failureRatio: 0.5, samplingDuration: TimeSpan.FromSeconds(30));
        clock.Advance(TimeSpan.FromSeconds(3));
        Succeed(circuit, clock, 1);
        clock.Advance(TimeSpan.FromSeconds(3) - TimeSpan.FromMilliseconds(1));
        Succeed(circuit, clock, 100);

        clock.Advance(TimeSpan.FromSeconds(27) + TimeSpan.FromMilliseconds(1));
        for (var i = 0; i < 4; i++)
        {
            circuit.OnFailure(Failure);
        }

        circuit.State.Should().Be(CircuitState.Open, "the 100 successes of seconds 3 to 6 left the window at second 33");
    }

    [Fact]
    public void TryEnter_AfterTheBreak_LetsOneProbeThrough()
    {
        var (circuit, clock) = Create(minimumThroughput: 2, failureRatio: 0.5);
        circuit.OnFailure(Failure);
        circuit.OnFailure(Failure);

        clock.Advance(TimeSpan.FromSeconds(10));

        circuit.TryEnter(out _).Should().BeTrue("the break is over: this attempt is the probe");
        circuit.State.Should().Be(CircuitState.HalfOpen);
        circuit.TryEnter(out var retryAfter).Should().BeFalse("only one probe at a time");
        retryAfter.Should().BeNull();
    }

    [Fact]
    public void OnSuccess_OfTheProbe_ClosesWithAnEmptyWindow()
    {
        var (circuit, clock) = Create(minimumThroughput: 2, failureRatio: 0.5);
        circuit.OnFailure(Failure);
        circuit.OnFailure(Failure);
        clock.Advance(TimeSpan.FromSeconds(10));
        circuit.TryEnter(out _).Should().BeTrue();

        circuit.OnSuccess(clock.GetTimestamp());

        circuit.State.Should().Be(CircuitState.Closed);
        circuit.IsClosed.Should().BeTrue();
        circuit.OnFailure(Failure);
        circuit.State.Should().Be(CircuitState.Closed, "the failures before the break were forgotten");
    }

    [Fact]
    public void OnFailure_OfTheProbe_OpensAgainForAFullBreak()
    {
        var (circuit, clock) = Create(minimumThroughput: 2, failureRatio: 0.5);
        circuit.OnFailure(Failure);
        circuit.OnFailure(Failure);
        clock.Advance(TimeSpan.FromSeconds(10));
        circuit.TryEnter(out _).Should().BeTrue();

        circuit.OnFailure(Failure);

        circuit.State.Should().Be(CircuitState.Open);
        circuit.TryEnter(out var retryAfter).Should().BeFalse();
        retryAfter.Should().Be(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Deliver_DefaultPolicySuccessesBeforeFailures_AreCountedByTheBreaker()
    {
        // The first attempt of each event calls the handler directly, outside the pipeline: the breaker must still see
        // those successes, or ten failures after a hundred successes would open the circuit.
        var clock = new TestClock();
        var logs = new LogRecorder();
        await using var fixture = await FailureBus.StartAsync(clock, logs, o =>
        {
            o.Resilience.Retry.MaxRetryAttempts = 0;
            o.Resilience.AttemptTimeout = TimeSpan.FromSeconds(5);
            o.Resilience.CircuitBreaker.Enabled = true;
            o.Resilience.CircuitBreaker.MinimumThroughput = 10;
            o.Resilience.CircuitBreaker.FailureRatio = 0.5;
        });
        var handled = new Recorder<string>();
        var subscription = fixture.Bus.Subscribe<OrderPlaced>(e =>
        {
            if (e.Payload.OrderId.StartsWith("bad", StringComparison.Ordinal))
            {
                throw new InvalidOperationException("cannot bill");
            }

            handled.Add(e.Payload.OrderId);
        }, new SubscriptionOptions { Name = "billing" });

        for (var i = 0; i < 100; i++)
        {
            await fixture.Bus.PublishAsync(new OrderPlaced($"good-{i}"), cancellationToken: Ct);
        }

        for (var i = 0; i < 10; i++)
        {
            await fixture.Bus.PublishAsync(new OrderPlaced($"bad-{i}"), cancellationToken: Ct);
        }

        await fixture.Bus.PublishAsync(new OrderPlaced("last"), cancellationToken: Ct);
        await handled.WaitForAsync(101);

        ((Subscription)subscription).Resilience!.CircuitState.Should().Be(CircuitState.Closed);
        logs.Named("CircuitOpened").Should().BeEmpty();
        (await fixture.DeadLettersAsync()).Should().HaveCount(10);
    }

    private static (Circuit Circuit, FakeTimeProvider Clock) Create(int minimumThroughput, double failureRatio, TimeSpan? samplingDuration = null)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var options = new CircuitBreakerOptions
        {
            MinimumThroughput = minimumThroughput,
            FailureRatio = failureRatio,
            SamplingDuration = samplingDuration ?? TimeSpan.FromSeconds(30),
            BreakDuration = TimeSpan.FromSeconds(10),
        };
        return (new Circuit(options, "billing", clock, NullLogger.Instance), clock);
    }

    private static void Succeed(Circuit circuit, FakeTimeProvider clock, int times)
    {
        for (var i = 0; i < times; i++)
        {
            circuit.TryEnter(out _).Should().BeTrue();
            circuit.OnSuccess(clock.GetTimestamp());
        }
    }
}
