using EventBus.Samples.Orders.Contracts;
using EventBus.Samples.Orders.Services;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace EventBus.Samples.Orders.Demo;

/// <summary>One run of the sample: a bus with the order saga and the Payment, Inventory and Shipping services, a
/// recording of every event, and the planned orders to place.</summary>
/// <remarks>Use it in steps — <see cref="StartAsync"/>, <see cref="PlaceOrdersAsync"/>, await <see cref="Settled"/>,
/// <see cref="FinishAsync"/> — so a test can move a fake clock in between.</remarks>
public sealed class OrderSagaDemo : IAsyncDisposable
{
    /// <summary>The CloudEvents source of the orders the shop places.</summary>
    public const string ShopSource = "/shop";

    /// <summary>The name of the subscription that records the timeline.</summary>
    public const string TimelineSubscription = "timeline";

    private readonly ServiceProvider _services;
    private readonly HashSet<string> _settled = new(StringComparer.Ordinal);
    private readonly HashSet<string> _ended = new(StringComparer.Ordinal);
    private readonly HashSet<string> _voidPending = new(StringComparer.Ordinal);
    private readonly HashSet<string> _unanswered = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _allSettled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _waitingForClock = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _lock = new();
    private readonly FakeTimeProvider? _simulatedClock;

    private readonly DateTimeOffset _created;

    private OrderSagaDemo(DemoOptions options, ServiceProvider services, FakeTimeProvider? simulatedClock)
    {
        Options = options;
        _services = services;
        _simulatedClock = simulatedClock;
        _created = services.GetRequiredService<TimeProvider>().GetUtcNow();
        Orders = OrderGenerator.Generate(options);
        Bus = services.GetRequiredService<IEventBus>();
        Sagas = services.GetRequiredService<ISagaStore>();
        DeadLetters = services.GetRequiredService<IDeadLetterStore>();
        services.GetRequiredService<PaymentGateway>().Unanswered += OnUnanswered;
    }

    public DemoOptions Options { get; private set; }

    /// <summary>Gets the orders the run places; on a database with earlier orders, numbered after them once
    /// <see cref="StartAsync"/> looked.</summary>
    public IReadOnlyList<PlannedOrder> Orders { get; private set; }

    /// <summary>Gets what the store held when the run started (always nothing in memory); set by
    /// <see cref="StartAsync"/>.</summary>
    public EarlierRuns EarlierRuns { get; private set; } = EarlierRuns.None;

    public IEventBus Bus { get; }

    public ISagaStore Sagas { get; }

    public IDeadLetterStore DeadLetters { get; }

    public EventTimeline Timeline { get; } = new();

    public IServiceProvider Services => _services;

    /// <summary>Gets a task that completes once every order was completed or cancelled, and every payment void the
    /// saga asked for was answered (so nothing is still in flight when the bus stops).</summary>
    public Task Settled => _allSettled.Task;

    /// <summary>Wires the bus: the saga, the three services, and the given clock, logging and bus settings.</summary>
    /// <param name="options">The demo's options.</param>
    /// <param name="timeProvider">The clock; tests pass a fake one to fire payment timeouts themselves. Without one,
    /// <see cref="DemoOptions.Clock"/> decides: the demo's own simulated clock, moved by
    /// <see cref="WaitUntilSettledAsync"/>, or the system clock.</param>
    /// <param name="logging">Extra logging configuration.</param>
    /// <param name="configureBus">Extra bus settings, applied after the demo's own.</param>
    /// <param name="configureServices">Extra services, registered after the demo's own (so they replace them).</param>
    public static OrderSagaDemo Create(
        DemoOptions options,
        TimeProvider? timeProvider = null,
        Action<ILoggingBuilder>? logging = null,
        Action<EventBusOptions>? configureBus = null,
        Action<IServiceCollection>? configureServices = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var services = new ServiceCollection();

        // The simulated clock starts at the real time (timestamps in a database stay meaningful) and then moves
        // only when the demo moves it.
        var simulatedClock = timeProvider is null && options.Clock == DemoClock.Simulated
            ? new FakeTimeProvider(TimeProvider.System.GetUtcNow())
            : null;
        services.AddSingleton(timeProvider ?? simulatedClock ?? TimeProvider.System);
        services.AddLogging(builder =>
        {
            builder.SetMinimumLevel(LogLevel.Warning);
            logging?.Invoke(builder);
        });
        services.AddSingleton<PaymentGateway>();
        services.AddSingleton(new Warehouse());
        services.AddSingleton<Carrier>();

        var bus = services.AddEventBus(bus =>
        {
            bus.Source = ShopSource;
            if (simulatedClock is not null)
            {
                // Retry delays and attempt timeouts would wait on a clock that stands still while orders are in
                // flight: on the simulated clock a failing handler is dead-lettered at once (and the run exits 1).
                bus.Resilience.Enabled = false;
            }

            configureBus?.Invoke(bus);
        });
        if (options.Store == DemoStore.Sqlite)
        {
            // One call moves every store (saga instances, dead letters, inbox, event store) into the file.
            bus.UseSqlite($"Data Source={options.DatabasePath}");
        }
        else if (options.Store == DemoStore.PostgreSql)
        {
            // The same in PostgreSQL, in the sample's own schema (created on first use).
            var connection = options.PostgreSql ?? throw new ArgumentException(DemoCommandLine.MissingConnection, nameof(options));
            bus.UsePostgreSql(connection.ConnectionString, o => o.Schema = options.PostgreSqlSchema);
        }

        bus.AddSaga(new OrderSaga(options.PaymentTimeout))
            .AddHandler<PaymentRequested, PaymentService>()
            .AddHandler<RefundRequested, PaymentService>()
            .AddHandler<PaymentVoidRequested, PaymentService>()
            .AddHandler<ReservationRequested, InventoryService>()
            .AddHandler<ReleaseRequested, InventoryService>()
            .AddHandler<ShippingRequested, ShippingService>();
        configureServices?.Invoke(services);

        return new OrderSagaDemo(
            options,
            services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true }),
            simulatedClock);
    }

    /// <summary>Waits until every order has settled. On the demo's simulated clock, first waits until no order can go
    /// further without the clock — each has ended, or waits for a payment answer that will not come — then moves the
    /// clock by the payment timeout, so the timeouts fire after everything else, on any machine.</summary>
    /// <param name="safetyNet">How long to wait (in real time) for each stage before giving up; not part of the
    /// outcome of a healthy run, which settles in milliseconds.</param>
    /// <returns><see langword="true"/> if every order settled; otherwise, <see langword="false"/>.</returns>
    public async Task<bool> WaitUntilSettledAsync(TimeSpan safetyNet, CancellationToken cancellationToken = default)
    {
        if (_simulatedClock is null)
        {
            // On the system clock the timed-out payments take PaymentTimeout of real time.
            return await CompletesAsync(Settled, Options.Clock == DemoClock.System ? Options.PaymentTimeout + safetyNet : safetyNet, cancellationToken);
        }

        CheckWaitingForClock();
        if (!await CompletesAsync(_waitingForClock.Task, safetyNet, cancellationToken))
        {
            // Something is stuck: let the clock run out every timer (drain timeouts included) so the bus can stop.
            _simulatedClock.Advance(TimeSpan.FromHours(1));
            return false;
        }

        _simulatedClock.Advance(Options.PaymentTimeout);
        if (!await CompletesAsync(Settled, safetyNet, cancellationToken))
        {
            _simulatedClock.Advance(TimeSpan.FromHours(1));
            return false;
        }

        return true;
    }

    /// <summary>Looks at what the store already holds (numbering this run's orders after earlier ones), then starts
    /// the bus and the recording of the timeline.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        // An in-memory store starts empty; only a database can hold earlier runs.
        if (Options.KeepsEarlierRuns)
        {
            EarlierRuns = await ReadEarlierRunsAsync(cancellationToken);
            if (EarlierRuns.HighestOrderNumber >= Options.FirstOrderNumber)
            {
                Options = Options with { FirstOrderNumber = EarlierRuns.HighestOrderNumber + 1 };
                Orders = OrderGenerator.Generate(Options);
            }
        }

        await _services.GetRequiredService<IEventBusLifetime>().StartAsync(cancellationToken);
        Bus.Subscribe("#", Observe, new SubscriptionOptions { Name = TimelineSubscription });
    }

    /// <summary>Places every planned order, delivering the duplicates' <c>order.placed</c> a second time.</summary>
    public async Task PlaceOrdersAsync(CancellationToken cancellationToken = default)
    {
        foreach (var planned in Orders)
        {
            var placed = new Event<OrderPlaced>("order.placed", planned.Order) { Subject = planned.Order.OrderId, Source = ShopSource };
            await Bus.PublishAsync(placed, cancellationToken);
            if (planned.DeliveredTwice)
            {
                // The same envelope again, as an at-least-once transport would redeliver it.
                await Bus.PublishAsync(placed, cancellationToken);
            }
        }
    }

    /// <summary>Stops the bus — draining everything queued — and reads what happened.</summary>
    public async Task<DemoReport> FinishAsync(CancellationToken cancellationToken = default)
    {
        var subscriptions = Bus.Subscriptions.ToList();
        await _services.GetRequiredService<IEventBusLifetime>().StopAsync(cancellationToken);

        var instances = new List<SagaInstance<OrderState>>();
        foreach (var planned in Orders)
        {
            if (await Sagas.FindAsync<OrderState>(nameof(OrderSaga), planned.Order.OrderId, cancellationToken) is { } instance)
            {
                instances.Add(instance);
            }
        }

        // This run's dead letters only: a database also keeps those of earlier runs.
        var query = Options.KeepsEarlierRuns ? new DeadLetterQuery { FailedFrom = _created } : DeadLetterQuery.All;
        var deadLetters = new List<DeadLetter>();
        await foreach (var deadLetter in DeadLetters.QueryAsync(query, cancellationToken))
        {
            deadLetters.Add(deadLetter);
        }

        var timeline = Timeline.Events;
        return new DemoReport
        {
            Options = Options,
            Orders = Orders,
            Outcomes = [.. Orders.Select(o => OrderOutcome.From(o, timeline, instances.FirstOrDefault(i => i.CorrelationKey == o.Order.OrderId)))],
            Timeline = timeline,
            Instances = instances,
            DeadLetters = deadLetters,
            Subscriptions = subscriptions,
        };
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();

    private async Task<EarlierRuns> ReadEarlierRunsAsync(CancellationToken cancellationToken)
    {
        var count = 0;
        var highest = DemoOptions.DefaultFirstOrderNumber - 1;
        var byStatus = new Dictionary<SagaStatus, int>();
        await foreach (var instance in Sagas.QueryAsync(new SagaQuery { SagaName = nameof(OrderSaga) }, cancellationToken))
        {
            count++;
            byStatus[instance.Status] = byStatus.GetValueOrDefault(instance.Status) + 1;
            highest = Math.Max(highest, OrderGenerator.OrderNumberOf(instance.CorrelationKey) ?? highest);
        }

        return new EarlierRuns(count, byStatus, highest);
    }

    private static async Task<bool> CompletesAsync(Task task, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await task.WaitAsync(timeout, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private void OnUnanswered(string orderId)
    {
        lock (_lock)
        {
            _unanswered.Add(orderId);
        }

        CheckWaitingForClock();
    }

    private void CheckWaitingForClock()
    {
        lock (_lock)
        {
            if (Orders.All(o => _settled.Contains(o.Order.OrderId) || _unanswered.Contains(o.Order.OrderId)))
            {
                _waitingForClock.TrySetResult();
            }
        }
    }

    private void Observe(Event @event)
    {
        Timeline.Add(@event);
        if (OrderOutcome.OrderIdOf(@event) is not { } orderId)
        {
            return;
        }

        lock (_lock)
        {
            switch (@event.Payload)
            {
                case OrderCompleted or OrderCancelled:
                    _ended.Add(orderId);
                    break;
                case PaymentVoidRequested:
                    _voidPending.Add(orderId);
                    break;
                case PaymentVoided or PaymentRefunded:
                    _voidPending.Remove(orderId);
                    break;
                default:
                    return;
            }

            if (_ended.Contains(orderId) && !_voidPending.Contains(orderId))
            {
                _settled.Add(orderId);
            }

            if (Orders.All(o => _settled.Contains(o.Order.OrderId)))
            {
                _allSettled.TrySetResult();
            }
        }

        CheckWaitingForClock();
    }
}
