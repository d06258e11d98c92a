using EventBus.Testing.Tests.Harness;
using Microsoft.Extensions.DependencyInjection;

namespace EventBus.Testing.Tests.Readme;

/// <summary>Runs the example of the README's "Testing your handlers" section, verbatim (keep them in step).</summary>
public sealed class ReadmeTestingTests
{
    [Fact]
#pragma warning disable xUnit1051 // verbatim README code: no test cancellation token
    public async Task ReadmeExample_SagaTimeout_FiresWhenTheClockIsAdvanced()
    {
        var services = new ServiceCollection();
        services.AddEventBus().AddSaga(new PaymentSaga());      // schedules "payment" 5 minutes after PaymentRequested
        services.AddEventBusTestHarness();                      // last: it wraps the dead-letter store registered so far

        await using var provider = services.BuildServiceProvider();
        var harness = provider.GetRequiredService<EventBusTestHarness>();
        await harness.StartAsync();

        await harness.Bus.PublishAsync(new PaymentRequested("p-1"));
        await harness.WaitUntilIdleAsync();
        await harness.AdvanceTimeAsync(PaymentSaga.Deadline);  // fires the timeout, then waits until idle again

        harness.Published<PaymentTimedOut>().Should().ContainSingle();
        harness.Published<PaymentCancelled>().Should().ContainSingle();
        harness.DeadLettered().Should().BeEmpty();
    }
#pragma warning restore xUnit1051
}
