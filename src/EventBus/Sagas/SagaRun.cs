using Microsoft.Extensions.DependencyInjection;

namespace EventBus.Sagas;

/// <summary>One attempt at applying an event to a saga instance: a mutable working copy of the stored instance plus
/// what to publish and schedule once it is saved. Discarded when the save loses a race.</summary>
internal sealed class SagaRun<TState> : IAsyncDisposable
    where TState : class, new()
{
    private readonly SagaRunner<TState> _runner;
    private AsyncServiceScope? _scope;

    public SagaRun(SagaRunner<TState> runner, string correlationKey, SagaInstance<TState>? stored, Event @event)
    {
        _runner = runner;
        Stored = stored;
        CorrelationKey = correlationKey;
        CurrentEvent = @event;
        Now = runner.TimeProvider.GetUtcNow();
        Context = new SagaContext<TState>(this);
        if (stored is null)
        {
            State = new TState();
            Status = SagaStatus.Pending;
            CreatedTime = Now;
            CorrelationId = @event.CorrelationId;
            return;
        }

        State = stored.State;
        Status = stored.Status;
        CurrentStep = stored.CurrentStep;
        CorrelationId = stored.CorrelationId;
        CreatedTime = stored.CreatedTime;
        CompensationReason = stored.CompensationReason;
        AwaitingCompensation = stored.AwaitingCompensation;
        CompletedSteps.AddRange(stored.CompletedSteps);
        CompensatedSteps.AddRange(stored.CompensatedSteps);
        Timeouts.AddRange(stored.Timeouts);
        Parked.AddRange(stored.ParkedEvents);
        Processed.AddRange(stored.ProcessedEventIds);
        Outbox.AddRange(stored.Outbox);
        History.AddRange(stored.History);
    }

    public SagaDefinition<TState> Definition => _runner.Definition;

    public SagaContext<TState> Context { get; }

    public SagaInstance<TState>? Stored { get; }

    public string CorrelationKey { get; }

    public Event CurrentEvent { get; set; }

    public DateTimeOffset Now { get; }

    public TState State { get; set; }

    public SagaStatus Status { get; set; }

    public string? CurrentStep { get; set; }

    public string? CorrelationId { get; set; }

    public DateTimeOffset CreatedTime { get; }

    public string? CompensationReason { get; private set; }

    public string? AwaitingCompensation { get; set; }

    public List<string> CompletedSteps { get; } = [];

    public List<string> CompensatedSteps { get; } = [];

    public List<SagaTimeout> Timeouts { get; } = [];

    public List<Event> Parked { get; } = [];

    public List<string> Processed { get; } = [];

    public List<SagaHistoryEntry> History { get; } = [];

    /// <summary>Gets the events to publish once the change is saved, in order (left-overs of earlier changes first).</summary>
    public List<Event> Outbox { get; } = [];

    /// <summary>Gets a value indicating whether compensation was requested and has steps left to run.</summary>
    public bool CompensationPending { get; set; }

    public IServiceProvider Services
    {
        get
        {
            _scope ??= _runner.Scopes.CreateAsyncScope();
            return _scope.Value.ServiceProvider;
        }
    }

    public void AddPublish<T>(T payload, PublishOptions? options)
        where T : notnull
    {
        // The envelope is made now, id included, and saved with the change: publishing it again after a failure
        // sends the same event, which idempotent consumers recognise.
        var cause = CurrentEvent;
        Outbox.Add(new Event<T>(_runner.Types.GetTypeName<T>(), payload)
        {
            Id = options?.Id ?? Event.NewId(),
            Priority = options?.Priority ?? EventPriority.Normal,
            Subject = options?.Subject,
            CorrelationId = options?.CorrelationId ?? cause.CorrelationId,
            CausationId = options?.CausationId ?? cause.Id,
            Source = options?.Source ?? _runner.Source,
            DataVersion = options?.DataVersion ?? Event.DefaultDataVersion,
            Headers = options?.Headers ?? Event.NoHeaders,
        });
    }

    public void ScheduleTimeout<T>(string name, T payload, TimeSpan delay)
        where T : notnull
    {
        if (Definition.HandlerFor(typeof(T)) is null)
        {
            throw new InvalidOperationException(
                $"Saga '{Definition.Name}' schedules a {typeof(T).Name} timeout but does not handle {typeof(T).Name}; declare saga.Handles<{typeof(T).Name}>(...) so the timeout is not lost.");
        }

        if (Status is not (SagaStatus.Active or SagaStatus.Compensating))
        {
            throw new InvalidOperationException($"Saga '{Definition.Name}' instance '{CorrelationKey}' is {Status}; it cannot schedule timeouts.");
        }

        var id = Event.NewId();
        var cause = CurrentEvent;
        var timeoutEvent = new Event<T>(_runner.Types.GetTypeName<T>(), payload)
        {
            CorrelationId = cause.CorrelationId,
            CausationId = cause.Id,
            Source = _runner.Source,
            Subject = cause.Subject,
            Headers = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [SagaConstants.SagaHeader] = Definition.Name,
                [SagaConstants.KeyHeader] = CorrelationKey,
                [SagaConstants.TimeoutHeader] = id,
            },
        };

        Timeouts.RemoveAll(t => string.Equals(t.Name, name, StringComparison.Ordinal));
        Timeouts.Add(new SagaTimeout { Id = id, Name = name, DueTime = Now + delay, Event = timeoutEvent });
    }

    public void AddHistory(SagaHistoryKind kind, Event @event, string? step, string? note = null) =>
        History.Add(new SagaHistoryEntry(Now, kind, @event.Id, @event.Type, step, note));

    public void Finish(SagaStatus status, SagaHistoryKind kind, string? note)
    {
        Status = status;
        Timeouts.Clear();
        AddHistory(kind, CurrentEvent, CurrentStep, note);
    }

    public void StartCompensation(string reason)
    {
        Status = SagaStatus.Compensating;
        CompensationReason = reason;
        CompensationPending = true;
        Timeouts.Clear();
        AddHistory(SagaHistoryKind.CompensationStarted, CurrentEvent, CurrentStep, reason);
    }

    public bool ConfirmCompensation(string step)
    {
        if (!string.Equals(AwaitingCompensation, step, StringComparison.Ordinal))
        {
            return false;
        }

        AwaitingCompensation = null;
        CompensatedSteps.Add(step);
        CompensationPending = true;
        AddHistory(SagaHistoryKind.StepCompensated, CurrentEvent, step, "confirmed");
        return true;
    }

    public SagaInstance<TState> ToInstance(SagaOptions options) => new()
    {
        SagaName = Definition.Name,
        CorrelationKey = CorrelationKey,
        Version = Stored?.Version ?? 0,
        Status = Status,
        CurrentStep = CurrentStep,
        CorrelationId = CorrelationId,
        CreatedTime = CreatedTime,
        UpdatedTime = Now,
        CompensationReason = CompensationReason,
        CompletedSteps = [.. CompletedSteps],
        CompensatedSteps = [.. CompensatedSteps],
        AwaitingCompensation = AwaitingCompensation,
        Timeouts = [.. Timeouts],
        ParkedEvents = [.. Parked],
        Outbox = [.. Outbox],
        ProcessedEventIds = [.. Processed.Skip(Math.Max(0, Processed.Count - options.ProcessedEventIdLimit))],
        History = [.. History.Skip(Math.Max(0, History.Count - options.HistoryLimit))],
        State = State,
    };

    public async ValueTask DisposeAsync()
    {
        if (_scope is { } scope)
        {
            await scope.DisposeAsync().ConfigureAwait(false);
        }
    }
}
