using Microsoft.Extensions.DependencyInjection;

namespace EventBus.Testing.Tests.Harness;

public sealed class SagaTimeoutHarnessTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AdvanceTimeAsync_PastTheDeadline_FiresTheTimeoutAndCancelsThePayment()
    {
        await using var provider = Build();
        var harness = provider.GetRequiredService<EventBusTestHarness>();
        await harness.StartAsync(Token);

        await harness.Bus.PublishAsync(new PaymentRequested("p-1"), Token);
        await harness.WaitUntilIdleAsync(Token);
        harness.Published<PaymentTimedOut>().Should().BeEmpty();

        await harness.AdvanceTimeAsync(PaymentSaga.Deadline, Token);

        harness.Published<PaymentTimedOut>().Should().ContainSingle().Which.Payload.PaymentId.Should().Be("p-1");
        harness.Published<PaymentCancelled>().Should().ContainSingle();
        var saga = await provider.GetRequiredService<ISagaStore>().FindAsync<PaymentState>(new PaymentSaga().Name, "p-1", Token);
        saga!.Status.Should().Be(SagaStatus.Completed);
    }

    [Fact]
    public async Task AdvanceTimeAsync_PaymentReceivedBeforeTheDeadline_TimeoutNeverFires()
    {
        await using var provider = Build();
        var harness = provider.GetRequiredService<EventBusTestHarness>();
        await harness.StartAsync(Token);

        await harness.Bus.PublishAsync(new PaymentRequested("p-1"), Token);
        await harness.AdvanceTimeAsync(PaymentSaga.Deadline - TimeSpan.FromSeconds(1), Token);
        await harness.Bus.PublishAsync(new PaymentReceived("p-1"), Token);
        await harness.AdvanceTimeAsync(PaymentSaga.Deadline * 2, Token);

        harness.Published<PaymentTimedOut>().Should().BeEmpty();
        harness.Published<PaymentCancelled>().Should().BeEmpty();
        harness.DeadLettered().Should().BeEmpty();
    }

    private static ServiceProvider Build()
    {
        var services = new ServiceCollection();
        services.AddEventBus().AddSaga(new PaymentSaga());
        services.AddEventBusTestHarness();
        return services.BuildServiceProvider();
    }
}
