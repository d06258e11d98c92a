using EventBus.Contracts.TestSupport;
using EventBus.Sagas;
using EventBus.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace EventBus.Tests.Sagas;

/// <summary>A started bus with <see cref="FlowSaga"/> on it, a fake clock, an observable store, captured logs and a
/// recorder of every <c>flow.*</c> event that crossed the bus.</summary>
public sealed class SagaHarness : IAsyncDisposable
{
    private SagaHarness(BusFixture fixture, ObservableSagaStore store, FakeTimeProvider time, LogRecorder logs, RecordingDeadLetterStore deadLetters, EventLog events)
    {
        DeadLetters = deadLetters;
        Fixture = fixture;
        Store = store;
        Time = time;
        Logs = logs;
        Events = events;
    }

    public BusFixture Fixture { get; }

    public IEventBus Bus => Fixture.Bus;

    public ObservableSagaStore Store { get; }

    public FakeTimeProvider Time { get; }

    public LogRecorder Logs { get; }

    public RecordingDeadLetterStore DeadLetters { get; }

    public EventLog Events { get; }

    internal SagaRunner<FlowState> Runner => Fixture.Provider.GetRequiredKeyedService<SagaRunner<FlowState>>("FlowSaga");

    public static async Task<SagaHarness> StartAsync(
        FlowSaga? saga = null,
        ObservableSagaStore? store = null,
        FakeTimeProvider? time = null,
        Action<SagaOptions>? options = null)
    {
        store ??= new ObservableSagaStore();
        time ??= new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
        var logs = new LogRecorder();
        var deadLetters = new RecordingDeadLetterStore();
        var events = new EventLog();
        var fixture = await BusFixture.StartAsync(
            // The recorder is a DI handler so it is subscribed before the bus runs: saga recovery may publish at once.
            builder => builder.AddSaga(saga ?? new FlowSaga(), options).AddHandler<FlowEventRecorder>("flow.*"),
            options: bus => bus.Resilience.Enabled = false, // saga semantics, not retry policy, are under test here
            services: services =>
            {
                services.AddSingleton<ISagaStore>(store);
                services.AddSingleton<IDeadLetterStore>(deadLetters);
                services.AddSingleton<TimeProvider>(time);
                services.AddSingleton(events);
                services.AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
            });
        return new SagaHarness(fixture, store, time, logs, deadLetters, events);
    }

    public ValueTask PublishAsync<T>(T payload, string? id = null, string? correlationId = null) =>
        Bus.PublishAsync(payload, new PublishOptions { Id = id, CorrelationId = correlationId });

    /// <summary>Publishes and waits until every subscription finished with the event (the saga's handler included,
    /// with the publishing of its outbox).</summary>
    public async Task<IReadOnlyList<DeliveryAcknowledgement>> PublishAndWaitAsync<T>(T payload, string? id = null, string? correlationId = null)
        where T : notnull
    {
        var receipt = await Fixture.Provider.PublishAcknowledgedAsync(payload, id, correlationId);
        return await receipt.Outcomes.WaitAsync(TimeSpan.FromSeconds(30));
    }

    public ValueTask DisposeAsync() => Fixture.DisposeAsync();

    public sealed class FlowEventRecorder(EventLog events) : IEventHandler
    {
        public ValueTask HandleAsync(Event @event, CancellationToken cancellationToken)
        {
            events.Add(@event);
            return default;
        }
    }
}
