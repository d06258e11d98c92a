using EventBus.Tests.TestSupport;
using Polly.Timeout;

namespace EventBus.Tests.Resilience;

/// <summary>
/// Time limits start their timer only when the handler goes asynchronous and reuse their cancellation source between
/// synchronous deliveries: these specify that the reuse never leaks one event's cancellation into another's.
/// </summary>
public sealed class DeferredTimeoutTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(5);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OperationTimeout_HandlerNeverCompletes_IsDeadLetteredWithTimeout()
    {
        var clock = new TestClock();
        var logs = new LogRecorder();
        await using var fixture = await FailureBus.StartAsync(clock, logs, o => o.Resilience.OperationTimeout = Limit);
        var started = new Recorder<int>();
        fixture.Bus.Subscribe<OrderPlaced>(async (_, ct) =>
        {
            started.Add(1);
            await Task.Delay(Timeout.Infinite, ct);
        });

        await fixture.Bus.PublishAsync(new OrderPlaced("slow"), cancellationToken: Ct);
        await started.WaitForAsync(1);
        clock.Advance(Limit);
        await logs.WaitForAsync("EventDeadLettered");

        var deadLetter = (await fixture.DeadLettersAsync()).Should().ContainSingle().Subject;
        deadLetter.ExceptionType.Should().Be(typeof(TimeoutRejectedException).FullName);
        deadLetter.Reason.Should().Be(DeadLetterReason.HandlerFailed);
    }

    [Fact]
    public async Task OperationTimeout_FirstAttemptFailsDirectly_PipelineRetriesWithinWhatIsLeft()
    {
        // The first attempt runs before the retry pipeline; the operation limit still counts from it. The direct attempt
        // uses 8 of the 10 seconds, the retry waits 1: the second attempt has 1 second left, not a fresh 10.
        var clock = new TestClock();
        var logs = new LogRecorder();
        await using var fixture = await FailureBus.StartAsync(clock, logs, o =>
        {
            o.Resilience.OperationTimeout = TimeSpan.FromSeconds(10);
            o.Resilience.Retry.MaxRetryAttempts = 3;
            o.Resilience.Retry.Delay = TimeSpan.FromSeconds(1);
            o.Resilience.Retry.UseJitter = false;
        });
        var attempts = new Recorder<int>();
        using var testEnded = new CancellationTokenSource();
        fixture.Bus.Subscribe<OrderPlaced>(async (_, ct) =>
        {
            attempts.Add(attempts.Count + 1);
            if (attempts.Count == 1)
            {
                clock.Advance(TimeSpan.FromSeconds(8));
                throw new HttpRequestException("slow failure");
            }

            // Ends when the limit cancels it, or succeeds once the test is over, so a failed test still stops its bus.
            using var either = CancellationTokenSource.CreateLinkedTokenSource(ct, testEnded.Token);
            try
            {
                await Task.Delay(Timeout.Infinite, either.Token);
            }
            catch (OperationCanceledException) when (testEnded.IsCancellationRequested)
            {
            }
        });
        var published = clock.GetUtcNow();

        try
        {
            await fixture.Bus.PublishAsync(new OrderPlaced("late"), cancellationToken: Ct);
            await logs.WaitForAsync("HandlerRetrying");
            await clock.AdvanceWhenWaitingAsync(TimeSpan.FromSeconds(1));
            await attempts.WaitForAsync(2);
            await clock.AdvanceWhenWaitingAsync(TimeSpan.FromSeconds(1));
            await logs.WaitForAsync("EventDeadLettered", timeout: TimeSpan.FromSeconds(10));
        }
        finally
        {
            await testEnded.CancelAsync();
        }

        var deadLetter = (await fixture.DeadLettersAsync()).Should().ContainSingle().Subject;
        deadLetter.ExceptionType.Should().Be(typeof(TimeoutRejectedException).FullName);
        deadLetter.AttemptCount.Should().Be(2);
        deadLetter.LastFailureTime.Should().Be(published + TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task AttemptTimeout_LimitPassedBeforeHandlerYields_CancelsAtOnceWhenItYields()
    {
        var clock = new TestClock();
        var logs = new LogRecorder();
        await using var fixture = await FailureBus.StartAsync(clock, logs, o => o.Resilience.AttemptTimeout = Limit);
        fixture.Bus.Subscribe<OrderPlaced>(async (_, ct) =>
        {
            // Synchronous work that uses up the whole limit, then the first await: the limit is already spent.
            clock.Advance(Limit);
            await Task.Delay(Timeout.Infinite, ct);
        });

        await fixture.Bus.PublishAsync(new OrderPlaced("late"), cancellationToken: Ct);
        await logs.WaitForAsync("EventDeadLettered");

        (await fixture.DeadLettersAsync()).Should().ContainSingle().Which.ExceptionType.Should().Be(typeof(TimeoutRejectedException).FullName);
    }

    [Fact]
    public async Task AttemptTimeout_HandlerFinishesSynchronouslyPastTheLimit_IsHandled()
    {
        var clock = new TestClock();
        var logs = new LogRecorder();
        await using var fixture = await FailureBus.StartAsync(clock, logs, o => o.Resilience.AttemptTimeout = Limit);
        var handled = new Recorder<string>();
        fixture.Bus.Subscribe<OrderPlaced>((e, _) =>
        {
            // Cancellation is cooperative: a handler that never yields cannot be interrupted, so it counts as handled.
            clock.Advance(Limit + Limit);
            handled.Add(e.Payload.OrderId);
            return default;
        });

        await fixture.Bus.PublishAsync(new OrderPlaced("sync"), cancellationToken: Ct);
        await handled.WaitForAsync(1);
        await fixture.Bus.PublishAsync(new OrderPlaced("after"), cancellationToken: Ct);
        await handled.WaitForAsync(2);

        (await fixture.DeadLettersAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task AttemptTimeout_CallbackLeftOnTokenBySynchronousHandler_NeverRunsForLaterEvent()
    {
        var clock = new TestClock();
        var logs = new LogRecorder();
        await using var fixture = await FailureBus.StartAsync(clock, logs, o => o.Resilience.AttemptTimeout = Limit);
        var leakedCallbacks = 0;
        var started = new Recorder<string>();
        fixture.Bus.Subscribe<OrderPlaced>(async (e, ct) =>
        {
            started.Add(e.Payload.OrderId);
            if (e.Payload.OrderId == "careless")
            {
                // Registered and never disposed, and the handler completes synchronously.
                ct.Register(() => Interlocked.Increment(ref leakedCallbacks));
                return;
            }

            await Task.Delay(Timeout.Infinite, ct);
        });

        await fixture.Bus.PublishAsync(new OrderPlaced("careless"), cancellationToken: Ct);
        await fixture.Bus.PublishAsync(new OrderPlaced("slow"), cancellationToken: Ct);
        await started.WaitForAsync(2);
        clock.Advance(Limit);
        await logs.WaitForAsync("EventDeadLettered");

        Volatile.Read(ref leakedCallbacks).Should().Be(0);
        (await fixture.DeadLettersAsync()).Should().ContainSingle().Which.Event.Payload.Should().Be(new OrderPlaced("slow"));
    }

    [Fact]
    public async Task AttemptTimeout_AfterATimedOutEvent_NextEventGetsAFreshToken()
    {
        var clock = new TestClock();
        var logs = new LogRecorder();
        await using var fixture = await FailureBus.StartAsync(clock, logs, o => o.Resilience.AttemptTimeout = Limit);
        var started = new Recorder<string>();
        var tokens = new Recorder<bool>();
        fixture.Bus.Subscribe<OrderPlaced>(async (e, ct) =>
        {
            started.Add(e.Payload.OrderId);
            if (e.Payload.OrderId == "slow")
            {
                await Task.Delay(Timeout.Infinite, ct);
            }

            tokens.Add(ct.IsCancellationRequested);
        });

        await fixture.Bus.PublishAsync(new OrderPlaced("slow"), cancellationToken: Ct);
        await started.WaitForAsync(1);
        clock.Advance(Limit);
        await logs.WaitForAsync("EventDeadLettered");
        await fixture.Bus.PublishAsync(new OrderPlaced("next"), cancellationToken: Ct);
        await tokens.WaitForAsync(1);

        tokens.Items.Should().Equal(false);
    }
}
