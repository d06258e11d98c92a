using System.Text.Json.Serialization;
using EventBus.PostgreSql.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EventBus.PostgreSql.Tests.EventStore;

/// <summary>Every reader of the core that follows the global log on PostgreSQL — a catch-up subscription, a
/// projection, and the outbox that publishes appended events on the bus to a durable subscription (a bus subscription
/// fed by the outbox) — waits for an append held open by another app instance and then delivers everything, once, in
/// order.</summary>
public sealed class PostgreSqlHeldOpenReadersTests : IAsyncDisposable
{
    private static readonly TimeSpan SafetyTimeout = TimeSpan.FromSeconds(60);
    private readonly TestSchema _schema = new();

    public ValueTask DisposeAsync() => _schema.DisposeAsync();

    [Fact]
    public async Task HeldOpenAppend_CatchUpProjectionOutboxAndDurableSubscription_WaitThenDeliverEverythingOnceInOrder()
    {
        using var cts = new CancellationTokenSource(SafetyTimeout);
        var projected = new Recorder<(long Position, string EventId)>();
        var published = new Recorder<string>();
        var caughtUp = new Recorder<(long Position, string EventId)>();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton(projected);
        builder.Services.AddEventBus()
            .AddEventStore()
            .AddEventType<Happened>()
            .AddProjection<RecordingProjection>("held-open-view");
        builder.Services.AddEventBus().UsePostgreSql(_schema.ConnectionString, o =>
        {
            o.Schema = _schema.Name;
            o.PollInterval = TimeSpan.FromMilliseconds(20);
        });
        using var host = builder.Build();
        using var subscription = host.Services.GetRequiredService<IEventBus>().Subscribe("test.happened", e => published.Add(e.Id));
        await host.StartAsync(cts.Token);
        var store = host.Services.GetRequiredService<IEventStore>();
        using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
        var catchUp = Task.Run(async () =>
        {
            await foreach (var e in host.Services.GetRequiredService<IEventStreams>().SubscribeToAllAsync(0, cancellationToken: stopReading.Token))
            {
                caughtUp.Add((e.Position, e.Event.Id));
            }
        });
        await store.AppendAsync("before", ExpectedVersion.NoStream, [Data("before-1")], cts.Token);
        await projected.WaitForAsync(1, SafetyTimeout);
        await published.WaitForAsync(1, SafetyTimeout);
        await caughtUp.WaitForAsync(1, SafetyTimeout);

        // Another app instance's append drew positions 2 and 3 and has not committed; a later append waits for it.
        var slow = await _schema.OpenRawAsync();
        var transaction = await slow.BeginTransactionAsync(cts.Token);
        await RawAppend.AppendAsync(slow, transaction, _schema.Name, "held", ["held-1", "held-2"], cts.Token);
        var later = store.AppendAsync("later", ExpectedVersion.NoStream, [Data("later-1")], cts.Token).AsTask();
        (await RawAppend.WaitUntilAnAppendQueuesAsync(host.Services.GetRequiredService<PostgreSql.Storage.PostgreSqlDatabase>().DataSource, _schema.Name, () => later.IsCompleted, cts.Token))
            .Should().BeTrue();
        projected.Items.Select(p => p.Position).Should().Equal(1);
        published.Items.Should().Equal("before-1");
        caughtUp.Items.Select(p => p.Position).Should().Equal(1);

        await transaction.CommitAsync(cts.Token);
        await later;
        await projected.WaitForAsync(4, SafetyTimeout);
        await published.WaitForAsync(4, SafetyTimeout);
        await caughtUp.WaitForAsync(4, SafetyTimeout);
        await stopReading.CancelAsync();
        await FluentActions.Awaiting(() => catchUp).Should().ThrowAsync<OperationCanceledException>();
        await host.StopAsync(cts.Token);

        projected.Items.Should().Equal((1L, "before-1"), (2L, "held-1"), (3L, "held-2"), (4L, "later-1"));
        published.Items.Should().Equal("before-1", "held-1", "held-2", "later-1");
        caughtUp.Items.Should().Equal(projected.Items);
    }

    private static EventData Data(string id) => new(id, "test.happened", System.Text.Encoding.UTF8.GetBytes($"{{\"id\":\"{id}\"}}"), "{}"u8.ToArray());

    [EventType("test.happened")]
    public sealed record Happened([property: JsonPropertyName("id")] string Id);

    public sealed class RecordingProjection(Recorder<(long Position, string EventId)> recorder) : IProjection
    {
        public ValueTask ApplyAsync(StoredEvent @event, CancellationToken cancellationToken)
        {
            recorder.Add((@event.Position, @event.Event.Id));
            return ValueTask.CompletedTask;
        }

        public ValueTask ResetAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
