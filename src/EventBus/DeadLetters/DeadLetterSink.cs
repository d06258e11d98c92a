using EventBus.Acknowledgements;
using EventBus.Diagnostics;
using Microsoft.Extensions.Logging;

namespace EventBus.DeadLetters;

/// <summary>The one place every event that leaves the normal path goes through on its way to the store: it logs,
/// counts, keeps the history of redriven events and tracks recent dead letters for the health check.</summary>
internal sealed class DeadLetterSink(IDeadLetterStore store, TimeProvider timeProvider, EventBusMetrics metrics, DeliveryTracker tracker, ILogger<DeadLetterSink> logger)
{
    /// <summary>How many recent dead-letter times are kept for the health check; bounds memory in a storm.</summary>
    public const int RecentCapacity = 1024;

    private readonly Lock _recentLock = new();
    private readonly Queue<DateTimeOffset> _recent = new();

    /// <summary>Gets the time provider of the bus.</summary>
    public TimeProvider TimeProvider => timeProvider;

    public async ValueTask AddAsync(Event @event, string subscriptionName, DeadLetterReason reason, Exception? exception, int attemptCount)
    {
        var now = timeProvider.GetUtcNow();
        var entry = new DeadLetter
        {
            Id = Guid.CreateVersion7().ToString(),
            Event = @event,
            SubscriptionName = subscriptionName,
            Reason = reason,
            ExceptionType = exception?.GetType().FullName,
            ExceptionMessage = exception?.Message,
            StackTrace = exception?.StackTrace,
            AttemptCount = attemptCount,
            FirstFailureTime = now,
            LastFailureTime = now,
        };

        var status = reason is DeadLetterReason.NotDrained or DeadLetterReason.Abandoned ? DeliveryStatus.Interrupted : DeliveryStatus.DeadLettered;
        var ticket = tracker.Find(@event);
        if (ticket?.Redriven is not null && status == DeliveryStatus.Interrupted)
        {
            // A redrive the stopping bus cut short: its entry is still in the store, untouched, for the next redrive.
            // A second entry would have the event redriven twice.
            Log.EventDeadLettered(logger, @event.Id, @event.Type, subscriptionName, reason, exception);
            tracker.Report(@event, subscriptionName, status, reason);
            return;
        }

        if (ticket?.Redriven is { } original)
        {
            // A redriven event failed again: it returns with its whole history and its place in the original order.
            ticket.RenewedDeadLetterId = entry.Id;
            entry = entry with
            {
                Event = original.Event,
                AttemptCount = original.AttemptCount + attemptCount,
                FirstFailureTime = original.FirstFailureTime,
                RedriveCount = original.RedriveCount + 1,
                PreviousFailures =
                [
                    .. original.PreviousFailures,
                    new DeadLetterFailure(original.LastFailureTime, original.Reason, original.ExceptionType, original.ExceptionMessage, original.AttemptCount),
                ],
            };
        }

        try
        {
            // Not cancellable: an event that reached this point must be recorded even during shutdown.
            await store.AddAsync(entry, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception storeFailure)
        {
            // The store is the last stop: say loudly what could not be kept so it can be recovered from the logs.
            Log.DeadLetterStoreFailed(logger, @event.Id, @event.Type, subscriptionName, reason, storeFailure);
        }
        finally
        {
            // Logged once stored, so whoever reacts to the log finds the entry.
            metrics.DeadLettered(@event.Type, subscriptionName, reason);
            RecordRecent(now);
            Log.EventDeadLettered(logger, @event.Id, @event.Type, subscriptionName, reason, exception);
            tracker.Report(@event, subscriptionName, status, reason);
        }
    }

    /// <summary>Counts the dead letters added within <paramref name="interval"/> before now (at most the last
    /// <see cref="RecentCapacity"/>).</summary>
    public int CountRecent(TimeSpan interval)
    {
        var since = timeProvider.GetUtcNow() - interval;
        lock (_recentLock)
        {
            return _recent.Count(t => t > since);
        }
    }

    private void RecordRecent(DateTimeOffset now)
    {
        lock (_recentLock)
        {
            _recent.Enqueue(now);
            if (_recent.Count > RecentCapacity)
            {
                _recent.Dequeue();
            }
        }
    }
}
