using System.Text.Json;
using EventBus.Sqlite.DeadLetters;
using EventBus.Sqlite.Storage;
using EventBus.Sqlite.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace EventBus.Sqlite.Tests.DeadLetters;

public sealed class SqliteDeadLetterStoreDurabilityTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.FromHours(2));

    private readonly TempDatabase _file = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _file.Dispose();

    [Fact]
    public async Task QueryAsync_RegisteredType_ReturnsTheTypedPayloadAndEveryEnvelopeAttribute()
    {
        var store = NewStore(_file.Open(), registerInvoice: true);
        var sent = new Event<InvoiceDue>("invoice.due", new InvoiceDue("inv-1", 12.5m))
        {
            Source = "/billing",
            Time = T0,
            Priority = EventPriority.High,
            CausationId = "cause-1",
            DataVersion = "2.0",
            TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            DataContentType = "application/json",
            Headers = new Dictionary<string, string> { ["tenant"] = "acme" },
        };
        await store.AddAsync(Entry("a", sent), Ct);

        var read = (await ReadAllAsync(store)).Should().ContainSingle().Subject.Event;

        read.Payload.Should().Be(new InvoiceDue("inv-1", 12.5m));
        Event<InvoiceDue>.From(read).Payload.InvoiceId.Should().Be("inv-1");
        read.Should().BeEquivalentTo(sent, o => o.Excluding(e => e.Payload).RespectingRuntimeTypes().ExcludingMissingMembers());
        read.Time.Offset.Should().Be(TimeSpan.FromHours(2));
    }

    [Fact]
    public async Task QueryAsync_UnregisteredType_ReturnsTheRawJsonAndStoringItAgainKeepsIt()
    {
        var writer = NewStore(_file.Open(), registerInvoice: true);
        await writer.AddAsync(Entry("a", new Event<InvoiceDue>("invoice.due", new InvoiceDue("inv-1", 12.5m))), Ct);

        // Another process that does not know the type: it reads the payload as JSON and can store it back unchanged.
        var stranger = NewStore(_file.Open(), registerInvoice: false);
        var raw = (await ReadAllAsync(stranger)).Should().ContainSingle().Subject;
        raw.Event.Payload.Should().BeOfType<JsonElement>().Which.GetRawText().Should().Be("""{"invoiceId":"inv-1","amount":12.5}""");
        await stranger.DeleteAsync(raw.Id, Ct);
        await stranger.AddAsync(raw with { Id = "b" }, Ct);

        var again = (await ReadAllAsync(writer)).Should().ContainSingle().Subject;
        again.Id.Should().Be("b");
        again.Event.Payload.Should().Be(new InvoiceDue("inv-1", 12.5m));
    }

    [Fact]
    public async Task AddAsync_EventStoreSerializerSettings_AreUsedForPayloads()
    {
        // Settings made with 'new JsonSerializerOptions' (no metadata resolver yet) work as with the event store.
        var json = TestJson.Create(bus => bus.AddEventType<InvoiceDue>("invoice.due").Services.Configure<EventStoreOptions>(
            o => o.JsonSerializerOptions = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
        var store = new SqliteDeadLetterStore(_file.Open(), json);
        await store.AddAsync(Entry("a", new Event<InvoiceDue>("invoice.due", new InvoiceDue("inv-1", 1m))), Ct);

        var typed = (await ReadAllAsync(store)).Should().ContainSingle().Subject.Event.Payload;
        var raw = (await ReadAllAsync(NewStore(_file.Open(), registerInvoice: false))).Should().ContainSingle().Subject.Event.Payload;

        typed.Should().Be(new InvoiceDue("inv-1", 1m));
        raw.Should().BeOfType<JsonElement>().Which.GetRawText().Should().Be("""{"invoice_id":"inv-1","amount":1}""");
    }

    [Fact]
    public async Task QueryAsync_NullPayload_ReturnsNull()
    {
        var store = NewStore(_file.Open(), registerInvoice: true);
        await store.AddAsync(Entry("a", new Event("invoice.due")), Ct);

        (await ReadAllAsync(store)).Should().ContainSingle().Which.Event.Payload.Should().BeNull();
    }

    [Fact]
    public async Task QueryAsync_DataNoLongerFitsTheRegisteredType_ReturnsTheRawJson()
    {
        var store = NewStore(_file.Open(), registerInvoice: true);
        await store.AddAsync(Entry("a", new Event("invoice.due", JsonSerializer.SerializeToElement(new { amount = "not a number" }))), Ct);

        var payload = (await ReadAllAsync(store)).Should().ContainSingle().Subject.Event.Payload;

        payload.Should().BeOfType<JsonElement>().Which.GetProperty("amount").GetString().Should().Be("not a number");
    }

    [Fact]
    public async Task Entries_AfterReopen_AreStillThereInOrderAndFilterable()
    {
        var first = _file.Open();
        var store = NewStore(first, registerInvoice: true);
        await store.AddAsync(Entry("late", new Event("invoice.due"), TimeSpan.FromMinutes(5)), Ct);
        await store.AddAsync(Entry("early", new Event("invoice.paid"), TimeSpan.Zero), Ct);
        first.Dispose();

        var reopened = NewStore(_file.Open(), registerInvoice: true);

        (await ReadAllAsync(reopened)).Select(e => e.Id).Should().Equal("early", "late");
        (await reopened.CountAsync(new DeadLetterQuery { EventType = TopicPattern.Parse("invoice.#") }, Ct)).Should().Be(2);
        (await reopened.CountAsync(new DeadLetterQuery { EventType = TopicPattern.Parse("*.paid") }, Ct)).Should().Be(1);
        (await reopened.DeleteAsync(new DeadLetterQuery { EventType = TopicPattern.Parse("*.due") }, Ct)).Should().Be(1);
        (await ReadAllAsync(reopened)).Select(e => e.Id).Should().Equal("early");
    }

    [Fact]
    public async Task QueryAsync_MoreThanOnePageWithPatternAndLimit_ReturnsEachMatchOnceInOrder()
    {
        var store = NewStore(_file.Open(), registerInvoice: true);
        for (var i = 0; i < 600; i++)
        {
            await store.AddAsync(Entry($"e{i:D3}", new Event(i % 3 == 0 ? "invoice.paid" : "invoice.due"), TimeSpan.FromSeconds(i / 2)), Ct);
        }

        var paid = await ReadAllAsync(store, new DeadLetterQuery { EventType = TopicPattern.Parse("*.paid") });
        var limited = await ReadAllAsync(store, new DeadLetterQuery { EventType = TopicPattern.Parse("*.paid"), Limit = 150 });

        paid.Select(e => e.Id).Should().Equal(Enumerable.Range(0, 600).Where(i => i % 3 == 0).Select(i => $"e{i:D3}"));
        limited.Select(e => e.Id).Should().Equal(paid.Take(150).Select(e => e.Id));
    }

    [Fact]
    public async Task AddAsync_SameIdAgain_ReplacesTheEntry()
    {
        var store = NewStore(_file.Open(), registerInvoice: true);
        await store.AddAsync(Entry("a", new Event("invoice.due")), Ct);

        await store.AddAsync(Entry("a", new Event("invoice.due")) with { AttemptCount = 9 }, Ct);

        (await ReadAllAsync(store)).Should().ContainSingle().Which.AttemptCount.Should().Be(9);
    }

    [Fact]
    public async Task Redrive_AfterRestart_DeliversTheStoredEventToItsSubscription()
    {
        var sent = new Event<InvoiceDue>("invoice.due", new InvoiceDue("inv-7", 70m)) { Subject = "inv-7" };
        await using (var first = await StartBusAsync())
        {
            first.GetRequiredService<IEventBus>().Subscribe<InvoiceDue>(
                _ => throw new InvalidOperationException("ledger offline"),
                new SubscriptionOptions { Name = "ledger" });
            await first.GetRequiredService<IEventBus>().PublishAsync(sent);

            // Stopping drains: the failed delivery is dead-lettered before StopAsync returns.
            await first.GetRequiredService<IEventBusLifetime>().StopAsync(Ct);
        }

        await using var second = await StartBusAsync();
        var store = second.GetRequiredService<IDeadLetterStore>();
        var stored = (await ReadAllAsync(store)).Should().ContainSingle().Subject;
        stored.SubscriptionName.Should().Be("ledger");
        stored.ExceptionMessage.Should().Be("ledger offline");
        var handled = new Recorder<Event<InvoiceDue>>();
        second.GetRequiredService<IEventBus>().Subscribe<InvoiceDue>(e => handled.Add(e), new SubscriptionOptions { Name = "ledger" });

        var result = await second.GetRequiredService<IDeadLetterRedriver>().RedriveAsync(DeadLetterQuery.All, cancellationToken: Ct);

        result.Succeeded.Should().Be(1);
        handled.Items.Should().ContainSingle().Which.Payload.Should().Be(new InvoiceDue("inv-7", 70m));
        handled.Items[0].Id.Should().Be(sent.Id);
        (await store.CountAsync(DeadLetterQuery.All, Ct)).Should().Be(0);
        await second.GetRequiredService<IEventBusLifetime>().StopAsync(Ct);
    }

    [Fact]
    public async Task Redrive_FailsAgain_ReturnsToTheStoreWithItsHistory()
    {
        await using var bus = await StartBusAsync();
        bus.GetRequiredService<IEventBus>().Subscribe<InvoiceDue>(
            _ => throw new InvalidOperationException("still offline"),
            new SubscriptionOptions { Name = "ledger" });
        var store = bus.GetRequiredService<IDeadLetterStore>();
        var original = Entry("first", new Event<InvoiceDue>("invoice.due", new InvoiceDue("inv-8", 8m))) with { SubscriptionName = "ledger" };
        await store.AddAsync(original, Ct);

        var result = await bus.GetRequiredService<IDeadLetterRedriver>().RedriveAsync(DeadLetterQuery.All, cancellationToken: Ct);

        result.Failed.Should().Be(1);
        var again = (await ReadAllAsync(store)).Should().ContainSingle().Subject;
        again.Id.Should().NotBe("first");
        again.RedriveCount.Should().Be(1);
        again.FirstFailureTime.Should().Be(original.FirstFailureTime);
        again.ExceptionMessage.Should().Be("still offline");
        again.PreviousFailures.Should().ContainSingle().Which.ExceptionMessage.Should().Be("failed");
        again.Event.Payload.Should().Be(new InvoiceDue("inv-8", 8m));
        await bus.GetRequiredService<IEventBusLifetime>().StopAsync(Ct);
    }

    [Fact]
    public async Task QueryAsync_ReasonUnknownToThisVersion_ComesBackUnreadableNamingTheReason()
    {
        var store = NewStore(_file.Open(), registerInvoice: true);
        await store.AddAsync(Entry("newer", new Event<InvoiceDue>("invoice.due", new InvoiceDue("inv-1", 1m))), Ct);
        Execute("UPDATE eventbus_dead_letters SET reason = 'PoisonedByAFutureRelease' WHERE id = 'newer'");

        var read = (await ReadAllAsync(store)).Should().ContainSingle().Subject;

        read.ReadError.Should().Contain("'newer'").And.Contain("'PoisonedByAFutureRelease'");
        read.RawEntry.Should().Contain("inv-1");
        read.Event.Type.Should().Be(DeadLetter.UnreadableEventType);
    }

    [Fact]
    public async Task QueryAsync_EntryStoredAsText_IsStillRead()
    {
        var store = NewStore(_file.Open(), registerInvoice: true);
        await store.AddAsync(Entry("text", new Event<InvoiceDue>("invoice.due", new InvoiceDue("inv-1", 1m))), Ct);
        Execute("UPDATE eventbus_dead_letters SET entry = CAST(entry AS TEXT) WHERE id = 'text'");

        var read = (await ReadAllAsync(store)).Should().ContainSingle().Subject;

        read.ReadError.Should().BeNull();
        read.Event.Payload.Should().Be(new InvoiceDue("inv-1", 1m));
    }

    [Fact]
    public async Task Redrive_WithARowWhoseEventTypeIsInvalid_RedrivesTheOthersAndLeavesThatRowInTheStore()
    {
        await using var bus = await StartBusAsync();
        var handled = new Recorder<string>();
        bus.GetRequiredService<IEventBus>().Subscribe<InvoiceDue>(e => handled.Add(e.Payload.InvoiceId), new SubscriptionOptions { Name = "billing" });
        var store = bus.GetRequiredService<IDeadLetterStore>();
        await store.AddAsync(Entry("good-1", new Event<InvoiceDue>("invoice.due", new InvoiceDue("inv-1", 1m))), Ct);
        await store.AddAsync(Entry("bad", new Event<InvoiceDue>("invoice.due", new InvoiceDue("inv-2", 2m)), TimeSpan.FromSeconds(1)), Ct);
        await store.AddAsync(Entry("good-3", new Event<InvoiceDue>("invoice.due", new InvoiceDue("inv-3", 3m)), TimeSpan.FromSeconds(2)), Ct);
        Execute("""
            UPDATE eventbus_dead_letters SET event_type = 'Invoice',
                entry = CAST(json_set(CAST(entry AS TEXT), '$.event.type', 'Invoice') AS BLOB)
            WHERE id = 'bad'
            """);

        var result = await bus.GetRequiredService<IDeadLetterRedriver>().RedriveAsync(DeadLetterQuery.All, cancellationToken: Ct);

        result.Matched.Select(e => e.Id).Should().Equal("good-1", "bad", "good-3");
        result.Succeeded.Should().Be(2);
        result.Unreadable.Should().Be(1);
        handled.Items.Should().Equal("inv-1", "inv-3");
        var left = (await ReadAllAsync(store)).Should().ContainSingle().Subject;
        left.Id.Should().Be("bad");
        left.ReadError.Should().Contain("'Invoice'");
        left.RawEntry.Should().Contain("inv-2");
        await bus.GetRequiredService<IEventBusLifetime>().StopAsync(Ct);
    }

    private static DeadLetter Entry(string id, Event @event, TimeSpan? at = null) => new()
    {
        Id = id,
        Event = @event,
        SubscriptionName = "billing",
        Reason = DeadLetterReason.HandlerFailed,
        ExceptionType = "System.InvalidOperationException",
        ExceptionMessage = "failed",
        AttemptCount = 1,
        FirstFailureTime = T0 + (at ?? TimeSpan.Zero),
        LastFailureTime = T0 + (at ?? TimeSpan.Zero),
    };

    private static SqliteDeadLetterStore NewStore(SqliteDatabase database, bool registerInvoice) =>
        new(database, TestJson.Create(bus =>
        {
            if (registerInvoice)
            {
                bus.AddEventType<InvoiceDue>("invoice.due");
            }
        }));

    private void Execute(string sql)
    {
        using var connection = _file.OpenRaw();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery().Should().Be(1);
    }

    private static async Task<List<DeadLetter>> ReadAllAsync(IDeadLetterStore store, DeadLetterQuery? query = null)
    {
        var list = new List<DeadLetter>();
        await foreach (var entry in store.QueryAsync(query ?? DeadLetterQuery.All, Ct))
        {
            list.Add(entry);
        }

        return list;
    }

    private async Task<ServiceProvider> StartBusAsync()
    {
        var services = new ServiceCollection();
        services.AddEventBus(o => o.Resilience.Enabled = false).UseSqlite(_file.ConnectionString).AddEventType<InvoiceDue>("invoice.due");
        var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<IEventBusLifetime>().StartAsync(Ct);
        return provider;
    }
}
