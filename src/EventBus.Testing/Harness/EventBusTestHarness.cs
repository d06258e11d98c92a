using EventBus.Testing.Harness;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EventBus.Testing;

/// <summary>Drives a bus in a test: records every published and dead-lettered event, moves the fake clock, and waits
/// until the bus has nothing left to do. Register it with
/// <see cref="Microsoft.Extensions.DependencyInjection.EventBusTestHarnessServiceCollectionExtensions.AddEventBusTestHarness"/>.</summary>
/// <remarks>Idleness is decided from the bus's own state, never from a period without activity: every subscription's
/// queue is empty and nothing is in flight, no dead letter is being stored, the event store outbox (when an event
/// store publishes to the bus) has published up to the head of the log, and no saga instance holds a timeout that is
/// due by the clock and not handled yet.</remarks>
public sealed class EventBusTestHarness
{
    private readonly IServiceProvider _services;
    private readonly Lock _lock = new();
    private readonly List<Event> _published = [];
    private readonly List<DeadLetter> _deadLettered = [];
    private readonly List<IHostedService> _started = [];
    private TaskCompletionSource _activity = NewActivity();
    private long _version;
    private int _deadLettersInProgress;

    /// <summary>Initializes a new instance of the <see cref="EventBusTestHarness"/> class.</summary>
    /// <param name="services">The service provider the bus lives in.</param>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    public EventBusTestHarness(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        _services = services;
    }

    /// <summary>Gets the bus under test.</summary>
    public IEventBus Bus => _services.GetRequiredService<IEventBus>();

    /// <summary>Gets the service provider the bus lives in.</summary>
    public IServiceProvider Services => _services;

    /// <summary>Gets the clock of the bus; advance it to fire saga timeouts and retry delays.</summary>
    /// <exception cref="InvalidOperationException">The registered <see cref="TimeProvider"/> is not a
    /// <see cref="FakeTimeProvider"/>.</exception>
    public FakeTimeProvider Time => _services.GetRequiredService<TimeProvider>() as FakeTimeProvider
        ?? throw new InvalidOperationException("The registered TimeProvider is not a FakeTimeProvider: register none (AddEventBusTestHarness adds one) or a FakeTimeProvider.");

    /// <summary>Starts the bus and the hosted services registered next to it (the event store outbox, for example), as a
    /// generic host would. Not needed when a host runs the services.</summary>
    /// <param name="cancellationToken">A token to cancel the start.</param>
    /// <returns>A task that completes when the services have started.</returns>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        foreach (var service in _services.GetServices<IHostedService>())
        {
            await service.StartAsync(cancellationToken).ConfigureAwait(false);
            _started.Add(service);
        }

        await _services.GetRequiredService<IEventBusLifetime>().StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the hosted services <see cref="StartAsync"/> started, in reverse order.</summary>
    /// <param name="cancellationToken">A token that ends the stop early.</param>
    /// <returns>A task that completes when the services have stopped.</returns>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        for (var i = _started.Count - 1; i >= 0; i--)
        {
            await _started[i].StopAsync(cancellationToken).ConfigureAwait(false);
        }

        _started.Clear();
        await _services.GetRequiredService<IEventBusLifetime>().StopAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Gets every event published on the bus so far, in the order the harness received them.</summary>
    /// <returns>A snapshot of the published events.</returns>
    public IReadOnlyList<Event> Published()
    {
        lock (_lock)
        {
            return [.. _published];
        }
    }

    /// <summary>Gets the published events whose payload is a <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <returns>A snapshot of the matching events, typed.</returns>
    public IReadOnlyList<Event<T>> Published<T>() =>
        [.. Published().Where(static e => e.Payload is T).Select(static e => e as Event<T> ?? Event<T>.From(e))];

    /// <summary>Gets the published events whose type matches a topic pattern such as <c>order.*</c>.</summary>
    /// <param name="pattern">An AMQP-style topic pattern.</param>
    /// <returns>A snapshot of the matching events.</returns>
    /// <exception cref="ArgumentException"><paramref name="pattern"/> is invalid.</exception>
    public IReadOnlyList<Event> Published(string pattern)
    {
        var parsed = TopicPattern.Parse(pattern);
        return [.. Published().Where(e => parsed.IsMatch(e.Type))];
    }

    /// <summary>Gets every dead letter stored so far, in the order they were stored.</summary>
    /// <returns>A snapshot of the dead letters.</returns>
    public IReadOnlyList<DeadLetter> DeadLettered()
    {
        lock (_lock)
        {
            return [.. _deadLettered];
        }
    }

    /// <summary>Gets the dead letters whose event type matches a topic pattern such as <c>order.*</c>.</summary>
    /// <param name="pattern">An AMQP-style topic pattern.</param>
    /// <returns>A snapshot of the matching dead letters.</returns>
    /// <exception cref="ArgumentException"><paramref name="pattern"/> is invalid.</exception>
    public IReadOnlyList<DeadLetter> DeadLettered(string pattern)
    {
        var parsed = TopicPattern.Parse(pattern);
        return [.. DeadLettered().Where(d => parsed.IsMatch(d.Event.Type))];
    }

    /// <summary>Moves the fake clock forward, firing what falls due (saga timeouts, retry delays), then waits until the
    /// bus is idle.</summary>
    /// <param name="delta">How far to move the clock.</param>
    /// <param name="cancellationToken">A token to cancel the wait.</param>
    /// <returns>A task that completes when the bus is idle.</returns>
    /// <exception cref="InvalidOperationException">The registered <see cref="TimeProvider"/> is not a
    /// <see cref="FakeTimeProvider"/>.</exception>
    /// <exception cref="TimeoutException">The bus did not become idle within the safety timeout.</exception>
    public async Task AdvanceTimeAsync(TimeSpan delta, CancellationToken cancellationToken = default)
    {
        await WaitUntilIdleAsync(cancellationToken).ConfigureAwait(false);
        Time.Advance(delta);
        await WaitUntilIdleAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits until the bus has nothing left to do: every subscription's queue is empty and nothing is in flight,
    /// no dead letter is being stored, and the event store outbox has published up to the head of the log.</summary>
    /// <param name="cancellationToken">A token to cancel the wait.</param>
    /// <returns>A task that completes when the bus is idle.</returns>
    /// <exception cref="TimeoutException">The bus did not become idle within 30 seconds (a safety net for a test that
    /// would hang; the message says what was still busy).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task WaitUntilIdleAsync(CancellationToken cancellationToken = default)
    {
        using var safety = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        safety.CancelAfter(HarnessConstants.SafetyTimeout);
        string? busy = null;
        try
        {
            while (true)
            {
                var signal = Volatile.Read(ref _activity).Task;
                var version = Interlocked.Read(ref _version);
                busy = await FindWorkAsync(safety.Token).ConfigureAwait(false);
                if (busy is null)
                {
                    // Confirm on a second look with nothing recorded in between: an event taken off a queue is counted in
                    // flight a moment later, and an outcome is recorded a moment after the handler returned.
                    await Task.Delay(HarnessConstants.RecheckInterval, safety.Token).ConfigureAwait(false);
                    busy = await FindWorkAsync(safety.Token).ConfigureAwait(false);
                    if (busy is null && Interlocked.Read(ref _version) == version)
                    {
                        return;
                    }

                    continue;
                }

                // Woken by the next recorded event or dead letter, or after a short look-again interval for handlers that
                // finish without either.
                await Task.WhenAny(signal, Task.Delay(HarnessConstants.RecheckInterval, safety.Token)).ConfigureAwait(false);
                safety.Token.ThrowIfCancellationRequested();
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The bus did not become idle within {HarnessConstants.SafetyTimeout.TotalSeconds:0} s: {busy ?? "unknown"}.");
        }
    }

    internal void RecordPublished(Event @event)
    {
        lock (_lock)
        {
            _published.Add(@event);
        }

        Signal();
    }

    internal void RecordDeadLetter(DeadLetter deadLetter)
    {
        lock (_lock)
        {
            _deadLettered.Add(deadLetter);
        }

        Signal();
    }

    internal void DeadLetterStarted()
    {
        Interlocked.Increment(ref _deadLettersInProgress);
        Signal();
    }

    internal void DeadLetterEnded()
    {
        Interlocked.Decrement(ref _deadLettersInProgress);
        Signal();
    }

    private static TaskCompletionSource NewActivity() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void Signal()
    {
        Interlocked.Increment(ref _version);
        Interlocked.Exchange(ref _activity, NewActivity()).TrySetResult();
    }

    /// <summary>Describes the first piece of unfinished work found, or returns <see langword="null"/> when idle.</summary>
    private async ValueTask<string?> FindWorkAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _deadLettersInProgress) > 0)
        {
            return "a dead letter is being stored";
        }

        foreach (var subscription in Bus.Subscriptions)
        {
            var queued = subscription.QueuedCount;
            var inFlight = subscription.InFlightCount;
            if (queued > 0 || inFlight > 0)
            {
                return $"subscription '{subscription.Name}' has {queued} queued and {inFlight} in flight";
            }
        }

        if (_services.GetService<IEventStore>() is { } store
            && _services.GetService<ICheckpointStore>() is { } checkpoints
            && _services.GetService<IOptions<EventStoreOptions>>()?.Value.PublishToBus != false)
        {
            var head = await store.GetHeadPositionAsync(cancellationToken).ConfigureAwait(false);
            var published = await checkpoints.LoadAsync(OutboxCheckpointName, cancellationToken).ConfigureAwait(false) ?? 0;
            if (published < head)
            {
                return $"the outbox published up to position {published} of {head}";
            }
        }

        // A saga timeout that is due is fired by the saga's scheduler (claimed from the saga store, then published) and
        // leaves its instance once the saga handled it: until then there is work to do.
        if (_services.GetService<ISagaStore>() is { } sagas)
        {
            var now = _services.GetRequiredService<TimeProvider>().GetUtcNow();
            await foreach (var instance in sagas.QueryAsync(SagaQuery.All, cancellationToken).ConfigureAwait(false))
            {
                if (instance.Timeouts.FirstOrDefault(t => t.DueTime <= now) is { } due)
                {
                    return $"saga '{instance.SagaName}' instance '{instance.CorrelationKey}' has timeout '{due.Name}' due at {due.DueTime:O} and not handled yet";
                }
            }
        }

        return null;
    }

    private const string OutboxCheckpointName = "$outbox";
}
