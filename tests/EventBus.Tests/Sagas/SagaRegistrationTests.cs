using Microsoft.Extensions.DependencyInjection;

namespace EventBus.Tests.Sagas;

public sealed class SagaRegistrationTests
{
    [Fact]
    public void AddSaga_SameNameTwice_ThrowsNamingTheSaga()
    {
        var builder = new ServiceCollection().AddEventBus().AddSaga(new FlowSaga());

        var again = () => builder.AddSaga(new FlowSaga());

        again.Should().Throw<ArgumentException>().WithMessage("*'FlowSaga' is already added*");
    }

    [Fact]
    public void AddSaga_WithoutStartEvent_ThrowsInvalidOperationException()
    {
        var builder = new ServiceCollection().AddEventBus();

        var add = () => builder.AddSaga<NoStartSaga, FlowState>();

        add.Should().Throw<InvalidOperationException>().WithMessage("*'NoStartSaga' declares no event that starts it*");
    }

    [Theory]
    [InlineData(nameof(SagaOptions.MaxConcurrency))]
    [InlineData(nameof(SagaOptions.MaxConflictRetries))]
    [InlineData(nameof(SagaOptions.ProcessedEventIdLimit))]
    [InlineData(nameof(SagaOptions.MaxParkedEvents))]
    [InlineData(nameof(SagaOptions.HistoryLimit))]
    public void AddSaga_InvalidOption_ThrowsNamingTheSetting(string setting)
    {
        var builder = new ServiceCollection().AddEventBus();

        var add = () => builder.AddSaga(new FlowSaga(), o => typeof(SagaOptions).GetProperty(setting)!.SetValue(o, -1));

        add.Should().Throw<ArgumentOutOfRangeException>().WithMessage($"*SagaOptions.{setting}*");
    }

    [Theory]
    [InlineData(nameof(SagaOptions.TimeoutPollInterval), 0)]
    [InlineData(nameof(SagaOptions.TimeoutPollInterval), -1)]
    [InlineData(nameof(SagaOptions.TimeoutClaimDuration), 0)]
    [InlineData(nameof(SagaOptions.TimeoutClaimDuration), -1)]
    public void AddSaga_TimeoutSettingNotPositive_ThrowsNamingTheSetting(string setting, int milliseconds)
    {
        var builder = new ServiceCollection().AddEventBus();

        var add = () => builder.AddSaga(new FlowSaga(), o => typeof(SagaOptions).GetProperty(setting)!.SetValue(o, TimeSpan.FromMilliseconds(milliseconds)));

        add.Should().Throw<ArgumentOutOfRangeException>().WithMessage($"*SagaOptions.{setting}*");
    }

    [Fact]
    public void Declaring_SameEventTwice_ThrowsArgumentException()
    {
        var builder = new ServiceCollection().AddEventBus();

        var add = () => builder.AddSaga<TwiceSaga, FlowState>();

        add.Should().Throw<ArgumentException>().WithMessage("*already declares FlowStarted*");
    }

    [Fact]
    public void InStep_OnStartEvent_ThrowsInvalidOperationException()
    {
        var builder = new ServiceCollection().AddEventBus();

        var add = () => builder.AddSaga<StartInStepSaga, FlowState>();

        add.Should().Throw<InvalidOperationException>().WithMessage("*start event cannot wait for a step*");
    }

    [Fact]
    public async Task AddSaga_WithCustomNameAndSource_StoresUnderNameAndStampsSource()
    {
        var store = new ObservableSagaStore();
        await using var fixture = await TestSupport.BusFixture.StartAsync(
            b => b.AddSaga(new RenamedSaga(), o => o.Source = "/orders"),
            services: s => s.AddSingleton<ISagaStore>(store));
        var acknowledged = new TaskCompletionSource<Event>(TaskCreationOptions.RunContinuationsAsynchronously);
        fixture.Bus.Subscribe<FlowAcknowledged>(e => acknowledged.TrySetResult(e));

        await fixture.Bus.PublishAsync(new FlowStarted("f1"), cancellationToken: TestContext.Current.CancellationToken);
        var ack = await acknowledged.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        ack.Source.Should().Be("/orders");
        (await store.FindAsync<FlowState>("renamed", "f1", TestContext.Current.CancellationToken)).Should().NotBeNull();
    }

    public sealed class NoStartSaga : Saga<FlowState>
    {
        public override void Configure(SagaBuilder<FlowState> saga) => saga.Handles<ADone>((_, _) => { });
    }

    public sealed class TwiceSaga : Saga<FlowState>
    {
        public override void Configure(SagaBuilder<FlowState> saga)
        {
            saga.StartedBy<FlowStarted>((_, _) => { });
            saga.Handles<FlowStarted>((_, _) => { });
        }
    }

    public sealed class StartInStepSaga : Saga<FlowState>
    {
        public override void Configure(SagaBuilder<FlowState> saga) => saga.StartedBy<FlowStarted>((_, _) => { }).InStep("a");
    }

    public sealed class RenamedSaga : Saga<FlowState>
    {
        public override string Name => "renamed";

        public override void Configure(SagaBuilder<FlowState> saga) =>
            saga.StartedBy<FlowStarted>((ctx, e) => ctx.Publish(new FlowAcknowledged(e.Payload.FlowId))).CorrelateBy(p => p.FlowId);
    }
}
