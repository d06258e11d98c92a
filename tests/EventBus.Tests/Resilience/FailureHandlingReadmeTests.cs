// The README code is kept verbatim, and it has no test cancellation token to pass.
#pragma warning disable xUnit1051

using EventBus.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace EventBus.Tests.Resilience;

/// <summary>The README's "Failure handling and observability" examples, compiled and run.</summary>
public sealed class FailureHandlingReadmeTests
{
    [Fact]
    public async Task ReadmeExamples_SubscribeWithFallbackThenQueryAndRedrive_Work()
    {
        var clock = new TestClock();
        var logs = new LogRecorder();
        await using var fixture = await FailureBus.StartAsync(clock, logs);
        var bus = fixture.Bus;
        var provider = fixture.Provider;
        var fallbackCalls = new Recorder<string>();
        var fail = true;
        ValueTask ChargeAsync(Event<OrderPlaced> e, CancellationToken ct) =>
            fail ? throw new InvalidOperationException("gateway down") : ValueTask.CompletedTask;

        // README: Retries, timeouts and circuit breakers
        bus.Subscribe<OrderPlaced>(ChargeAsync, new SubscriptionOptions
        {
            Name = "payments",
            ConfigureResilience = r => r.Retry.MaxRetryAttempts = 5,      // this subscription only
            Fallback = args =>                                            // retries exhausted, or circuit open
            {
                Console.WriteLine($"queued {args.Event.Id} for manual charge ({args.Reason})");
                fallbackCalls.Add(args.Event.Id);
                return ValueTask.CompletedTask;
            },
        });
        await bus.PublishAsync(new OrderPlaced("1"), cancellationToken: TestContext.Current.CancellationToken);
        for (var retry = 0; retry < 5; retry++)
        {
            await clock.AdvanceWhenWaitingAsync(TimeSpan.FromSeconds(30));
        }

        await fallbackCalls.WaitForAsync(1);

        // A dead letter to query and redrive: another event type, a subscription without policy or fallback.
        bus.Subscribe<OrderShipped>(
            (e, ct) => fail ? throw new InvalidOperationException("carrier down") : ValueTask.CompletedTask,
            new SubscriptionOptions { Name = "payments-strict", ConfigureResilience = r => r.Enabled = false });
        await bus.PublishAsync(new OrderShipped("2"), cancellationToken: TestContext.Current.CancellationToken);
        await logs.WaitForAsync("EventDeadLettered");
        fail = false;

        // README: Dead letters
        var store = provider.GetRequiredService<IDeadLetterStore>();
        var query = new DeadLetterQuery { SubscriptionName = "payments-strict", EventType = TopicPattern.Parse("order.*") };
        long failed = await store.CountAsync(query);          // also: Reason, ExceptionType, CorrelationId, FailedFrom/Before

        var redriver = provider.GetRequiredService<IDeadLetterRedriver>();
        var preview = await redriver.RedriveAsync(query, new DeadLetterRedriveOptions { DryRun = true });
        var result = await redriver.RedriveAsync(query, new DeadLetterRedriveOptions { MaxEventsPerSecond = 50 });
        Console.WriteLine($"{result.Succeeded} handled, {result.Failed} failed again");

        failed.Should().Be(1);
        preview.Matched.Should().ContainSingle();
        result.Succeeded.Should().Be(1);
        (await store.CountAsync(DeadLetterQuery.All)).Should().Be(0);
    }
}
