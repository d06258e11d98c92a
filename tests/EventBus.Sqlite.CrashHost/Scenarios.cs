using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EventBus.Sqlite.CrashHost;

/// <summary>
/// The at-least-once scenarios of issue 12, each run by a child process that the tests kill with SIGKILL and restart on
/// the same file. Every line is printed only after what it reports happened:
/// <list type="bullet">
/// <item><c>subscriptions</c>: appends (<c>ACK &lt;key&gt;</c> after commit) consumed by two outbox-fed subscriptions
/// whose handlers take a little time; <c>DONE &lt;subscription&gt; &lt;key&gt;</c> when a handler finished.</item>
/// <item><c>saga</c>: 400 five-step flows; <c>ACK &lt;flow&gt;</c> when a flow's start is stored, <c>CMD &lt;flow&gt;
/// &lt;step&gt;</c> when the worker answered a step, <c>STATUS &lt;completed&gt;</c> twice a second.</item>
/// <item>In a drain of <c>subscriptions</c> or <c>inbox</c>: <c>OUTBOX &lt;checkpoint&gt; &lt;head&gt;</c> twice a second.</item>
/// <item><c>inbox</c>: appends consumed by one subscription with <c>AddIdempotency()</c> whose handler writes its effect
/// with <see cref="ISqliteEffects"/>; <c>DONE inbox &lt;key&gt; applied|skipped</c>.</item>
/// <item><c>redrive-seed</c> adds 1,000 dead letters and prints <c>SEEDED</c>; <c>redrive</c> redrives them into a
/// handler that writes its effect with <see cref="ISqliteEffects"/> (<c>DONE redrive &lt;number&gt;
/// applied|skipped</c>) and prints <c>REDRIVEN &lt;succeeded&gt; &lt;failed&gt; &lt;skipped&gt;</c> at the end.</item>
/// </list>
/// </summary>
public static class Scenarios
{
    public const int AppendsPerRound = 120;
    public const int Flows = 400;
    public const int DeadLetters = 1000;
    public const string EffectsTable = "crash_effects";

    /// <summary>Runs <paramref name="scenario"/> until killed or told to STOP.</summary>
    public static async Task<int> RunAsync(string path, string scenario, int seed, bool drain)
    {
        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = Task.Run(() =>
        {
            // The test keeps our stdin open: STOP stops gracefully; if stdin goes away without a kill, end at once.
            while (Console.In.ReadLine() is { } line)
            {
                if (line == "STOP")
                {
                    stop.TrySetResult();
                }
            }

            Environment.Exit(3);
        });

        var random = new Random(seed);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());

        // NORMAL loses nothing committed when only the process dies (the case here) and keeps the rounds short.
        var bus = builder.Services.AddEventBus()
            .UseSqlite($"Data Source={path}", o => o.Synchronous = SqliteSynchronousMode.Normal)
            .AddEventStore(o => o.OutboxBatchSize = 16)
            .AddEventType<CrashEvent>()
            .AddEventType<FlowBegun>()
            .AddEventType<StepRequested>()
            .AddEventType<StepDone>()
            .AddEventType<RedriveItem>();
        if (scenario is "inbox" or "redrive")
        {
            bus.AddIdempotency();
        }

        if (scenario == "saga")
        {
            bus.AddSaga<StepFlowSaga, StepFlowState>();
        }

        using var host = builder.Build();
        var services = host.Services;
        var events = services.GetRequiredService<IEventBus>();
        var streams = services.GetRequiredService<IEventStreams>();
        var effects = services.GetRequiredService<ISqliteEffects>();
        Func<Task>? work = null;
        switch (scenario)
        {
            case "subscriptions":
                foreach (var name in new[] { "durable-a", "durable-b" })
                {
                    events.Subscribe<CrashEvent>(
                        async (e, ct) =>
                        {
                            // Long enough that kills land while handlers run.
                            await Task.Delay(Random.Shared.Next(1, 6), ct);
                            Console.Out.WriteLine($"DONE {name} {e.Payload.Batch}:{e.Payload.Index}");
                        },
                        new SubscriptionOptions { Name = name });
                }

                work = () => AppendAsync(streams, random);
                break;

            case "inbox":
                events.Subscribe<CrashEvent>(
                    async (e, ct) =>
                    {
                        await Task.Delay(Random.Shared.Next(1, 4), ct);
                        var key = $"{e.Payload.Batch}:{e.Payload.Index}";
                        var applied = await effects.ApplyOnceAsync("inbox", e.Id, tx => WriteEffect(tx, "inbox", key, e.Id), ct);
                        Console.Out.WriteLine($"DONE inbox {key} {(applied ? "applied" : "skipped")}");
                    },
                    new SubscriptionOptions { Name = "inbox" });
                work = () => AppendAsync(streams, random);
                break;

            case "saga":
                events.Subscribe<StepRequested>(
                    async (e, ct) =>
                    {
                        await AnswerAsync(streams, e.Payload, ct);
                        Console.Out.WriteLine($"CMD {e.Payload.FlowId} {e.Payload.Step}");
                    },
                    new SubscriptionOptions { Name = "flow-worker" });
                work = () => BeginFlowsAsync(streams);
                drain = false; // beginning the flows is idempotent; a drain begins those the kills left unbegun
                _ = Task.Run(() => ReportCompletedAsync(services.GetRequiredService<ISagaStore>(), stop.Task));
                break;

            case "redrive":
                events.Subscribe<RedriveItem>(
                    async (e, ct) =>
                    {
                        await Task.Delay(Random.Shared.Next(0, 3), ct);
                        var key = e.Payload.Number.ToString(System.Globalization.CultureInfo.InvariantCulture);
                        var applied = await effects.ApplyOnceAsync("redrive-target", e.Id, tx => WriteEffect(tx, "redrive", key, e.Id), ct);
                        Console.Out.WriteLine($"DONE redrive {key} {(applied ? "applied" : "skipped")}");
                    },
                    new SubscriptionOptions { Name = "redrive-target" });
                work = async () =>
                {
                    var result = await services.GetRequiredService<IDeadLetterRedriver>().RedriveAsync(new DeadLetterQuery { SubscriptionName = "redrive-target" });
                    Console.Out.WriteLine($"REDRIVEN {result.Succeeded} {result.Failed} {result.Skipped}");
                };
                drain = false; // the redrive is the work, in every run
                break;

            case "redrive-seed":
                work = () => SeedDeadLettersAsync(services.GetRequiredService<IDeadLetterStore>(), services.GetRequiredService<TimeProvider>());
                drain = false;
                break;

            default:
                Console.Error.WriteLine($"unknown scenario '{scenario}'");
                return 2;
        }

        await host.StartAsync();
        await CreateEffectsTableAsync(path);
        Console.Out.WriteLine("READY");
        if (!drain)
        {
            await work();
        }
        else if (scenario is "subscriptions" or "inbox")
        {
            _ = Task.Run(() => ReportOutboxAsync(services.GetRequiredService<ICheckpointStore>(), services.GetRequiredService<IEventStore>(), stop.Task));
        }

        await stop.Task;
        await host.StopAsync();
        Console.Out.WriteLine("STOPPED");
        return 0;
    }

    private static async Task AppendAsync(IEventStreams streams, Random random)
    {
        for (var appended = 0; appended < AppendsPerRound;)
        {
            var batch = Guid.NewGuid().ToString("N");
            var count = Math.Min(random.Next(1, 5), AppendsPerRound - appended);
            var events = Enumerable.Range(0, count).Select(i => (object)new CrashEvent(batch, i, count)).ToArray();
            await streams.AppendAsync($"crash-{random.Next(4)}", ExpectedVersion.Any, events);
            foreach (var i in Enumerable.Range(0, count))
            {
                Console.Out.WriteLine($"ACK {batch}:{i}");
            }

            appended += count;
        }
    }

    private static async Task BeginFlowsAsync(IEventStreams streams)
    {
        for (var i = 0; i < Flows; i++)
        {
            var flow = $"flow-{i}";
            try
            {
                await streams.AppendAsync(flow, ExpectedVersion.NoStream, [new FlowBegun(flow)]);
            }
            catch (EventStoreConcurrencyException)
            {
                // Begun in an earlier run.
            }

            Console.Out.WriteLine($"ACK {flow}");
        }
    }

    /// <summary>Answers a step by appending its answer at the step's version of the flow's stream: an answer already
    /// stored (the command came again after a crash) conflicts and is not stored twice.</summary>
    private static async Task AnswerAsync(IEventStreams streams, StepRequested command, CancellationToken cancellationToken)
    {
        try
        {
            await streams.AppendAsync(command.FlowId, ExpectedVersion.Exact(command.Step), [new StepDone(command.FlowId, command.Step)], cancellationToken);
        }
        catch (EventStoreConcurrencyException)
        {
            // Answered before; the stored answer reaches the saga through the outbox.
        }
    }

    /// <summary>Prints <c>OUTBOX &lt;checkpoint&gt; &lt;head&gt;</c> twice a second: at the head, every stored event is
    /// finished by every subscription.</summary>
    private static async Task ReportOutboxAsync(ICheckpointStore checkpoints, IEventStore store, Task stopped)
    {
        while (!stopped.IsCompleted)
        {
            var checkpoint = await checkpoints.LoadAsync("$outbox") ?? 0;
            var head = await store.GetHeadPositionAsync();
            Console.Out.WriteLine($"OUTBOX {checkpoint} {head}");
            await Task.WhenAny(stopped, Task.Delay(500));
        }
    }

    private static async Task ReportCompletedAsync(ISagaStore store, Task stopped)
    {
        while (!stopped.IsCompleted)
        {
            var completed = 0;
            await foreach (var _ in store.QueryAsync(new SagaQuery { Status = SagaStatus.Completed }))
            {
                completed++;
            }

            Console.Out.WriteLine($"STATUS {completed}");
            await Task.WhenAny(stopped, Task.Delay(500));
        }
    }

    private static async Task SeedDeadLettersAsync(IDeadLetterStore store, TimeProvider time)
    {
        if (await store.CountAsync(DeadLetterQuery.All) == 0)
        {
            var start = time.GetUtcNow();
            for (var i = 0; i < DeadLetters; i++)
            {
                await store.AddAsync(new DeadLetter
                {
                    Id = Guid.NewGuid().ToString("N"),
                    Event = new Event<RedriveItem>("crash.redrive-item", new RedriveItem(i)),
                    SubscriptionName = "redrive-target",
                    Reason = DeadLetterReason.HandlerFailed,
                    AttemptCount = 1,
                    FirstFailureTime = start.AddTicks(i),
                    LastFailureTime = start.AddTicks(i),
                });
            }
        }

        Console.Out.WriteLine("SEEDED");
    }

    private static async Task CreateEffectsTableAsync(string path)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Default Timeout=30");
        await connection.OpenAsync();
        await using var create = connection.CreateCommand();
        create.CommandText = $"CREATE TABLE IF NOT EXISTS {EffectsTable} (seq INTEGER PRIMARY KEY, consumer TEXT NOT NULL, event_key TEXT NOT NULL, event_id TEXT NOT NULL)";
        await create.ExecuteNonQueryAsync();
    }

    private static void WriteEffect(SqliteTransaction transaction, string consumer, string key, string eventId)
    {
        using var insert = transaction.Connection!.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = $"INSERT INTO {EffectsTable} (consumer, event_key, event_id) VALUES ($consumer, $key, $id)";
        insert.Parameters.AddWithValue("$consumer", consumer);
        insert.Parameters.AddWithValue("$key", key);
        insert.Parameters.AddWithValue("$id", eventId);
        insert.ExecuteNonQuery();
    }
}
