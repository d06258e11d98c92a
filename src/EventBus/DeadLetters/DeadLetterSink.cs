using Microsoft.Extensions.Logging;
using EventBus.Diagnostics;

namespace EventBus.DeadLetters;

/// <summary>The one place every event that leaves the normal path goes through on its way to the store.</summary>
internal sealed class DeadLetterSink(IDeadLetterStore store, TimeProvider timeProvider, ILogger<DeadLetterSink> logger)
{
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

        Log.EventDeadLettered(logger, @event.Id, @event.Type, subscriptionName, reason, exception);
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
    }
}
