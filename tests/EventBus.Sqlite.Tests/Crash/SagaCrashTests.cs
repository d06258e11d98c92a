using System.Globalization;
using System.Text.Json;
using EventBus.Sqlite.CrashHost;
using EventBus.Sqlite.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace EventBus.Sqlite.Tests.Crash;

/// <summary>Issue 12 (b): 400 five-step sagas on SQLite (each step a command through the saga outbox answered by an
/// appended event), the process SIGKILLed mid-flow and restarted on the same file until done: every instance
/// completes.</summary>
public sealed class SagaCrashTests(ITestOutputHelper output)
{
    private const int Rounds = 10;

    [Fact]
    public async Task FiveStepSaga_KilledMidFlow_AllInstancesCompleteAfterRestarts()
    {
        var seed = Random.Shared.Next();
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        using var file = new TempDatabase();
        using var budget = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var accepted = new HashSet<string>(StringComparer.Ordinal);
        var commands = new Dictionary<string, int>(StringComparer.Ordinal);
        var completed = 0;

        for (var round = 0; round < Rounds; round++)
        {
            // Each round handles a random share of the 2,000 steps before the kill.
            var killAfter = random.Next(20, 250);
            var handled = 0;
            await CrashChild.RunAsync(
                [file.Path, "saga", (seed + round).ToString(CultureInfo.InvariantCulture), "work"],
                line => Record(line, accepted, commands, ref completed, ref handled) && (handled >= killAfter || completed == Scenarios.Flows),
                graceful: false,
                budget.Token);
            output.WriteLine($"round {round}: killed after {handled} steps; {completed} completed");
        }

        var ignored = 0;
        using (var drain = CancellationTokenSource.CreateLinkedTokenSource(budget.Token))
        {
            // A safety net only: on expiry the checks below say which flows are stuck and where.
            drain.CancelAfter(TimeSpan.FromMinutes(1));
            try
            {
                await CrashChild.RunAsync(
                    [file.Path, "saga", seed.ToString(CultureInfo.InvariantCulture), "drain"],
                    line => Record(line, accepted, commands, ref completed, ref ignored) && completed == Scenarios.Flows,
                    graceful: true,
                    drain.Token);
            }
            catch (OperationCanceledException) when (drain.IsCancellationRequested)
            {
                output.WriteLine($"the drain did not finish: {completed} completed");
            }
        }

        var (statuses, answers, stuck) = await ReadAsync(file);
        stuck.ForEach(output.WriteLine);
        var complete = statuses.Count(s => s == SagaStatus.Completed);
        var duplicateEffects = answers.Values.Sum(count => count - 1);
        var redelivered = commands.Values.Sum(count => count - 1);
        CrashChild.Ledger(output, "saga 5 steps", accepted.Count, complete, Scenarios.Flows - complete, redelivered, duplicateEffects);
        accepted.Should().HaveCount(Scenarios.Flows, $"seed {seed}");
        statuses.Should().HaveCount(Scenarios.Flows).And.OnlyContain(s => s == SagaStatus.Completed, $"every flow completes after the restarts (seed {seed})");
        answers.Should().HaveCount(Scenarios.Flows * StepFlowSaga.Steps, $"every step of every flow was answered (seed {seed})");
        duplicateEffects.Should().Be(0, $"each answer is stored once (seed {seed})");
    }

    private static async Task<(List<SagaStatus> Statuses, Dictionary<(string, int), int> Answers, List<string> Stuck)> ReadAsync(TempDatabase file)
    {
        var services = new ServiceCollection();
        services.AddEventBus().UseSqlite(file.ConnectionString).AddEventStore()
            .AddEventType<FlowBegun>().AddEventType<StepRequested>().AddEventType<StepDone>();
        await using var provider = services.BuildServiceProvider();
        var statuses = new List<SagaStatus>();
        var stuck = new List<string>();
        await foreach (var instance in provider.GetRequiredService<ISagaStore>().QueryAsync(new SagaQuery { SagaName = nameof(StepFlowSaga) }))
        {
            statuses.Add(instance.Status);
            if (instance.Status != SagaStatus.Completed && stuck.Count < 5)
            {
                stuck.Add($"{instance.CorrelationKey}: {instance.Status} in '{instance.CurrentStep}', outbox [{string.Join(", ", instance.Outbox.Select(e => e.Type))}], history [{string.Join(", ", instance.History.Select(h => $"{h.Kind} {h.EventType}"))}]");
            }
        }

        var answers = new Dictionary<(string, int), int>();
        await foreach (var record in provider.GetRequiredService<IEventStore>().ReadAllAsync())
        {
            if (record.EventType == "crash.step-done")
            {
                var answer = JsonSerializer.Deserialize<StepDone>(record.Data.Span, JsonSerializerOptions.Web)!;
                answers[(answer.FlowId, answer.Step)] = answers.GetValueOrDefault((answer.FlowId, answer.Step)) + 1;
            }
        }

        return (statuses, answers, stuck);
    }

    private static bool Record(string line, HashSet<string> accepted, Dictionary<string, int> commands, ref int completed, ref int handled)
    {
        switch (line.Split(' '))
        {
            case ["ACK", var flow]:
                accepted.Add(flow);
                return false;
            case ["CMD", var flow, var step]:
                var key = $"{flow}/{step}";
                commands[key] = commands.GetValueOrDefault(key) + 1;
                handled++;
                return true;
            case ["STATUS", var count]:
                completed = int.Parse(count, CultureInfo.InvariantCulture);
                return true;
            default:
                return false;
        }
    }
}
