using EventBus.Diagnostics;
using Microsoft.Extensions.Logging;

namespace EventBus.Idempotency;

/// <summary>The duplicate check of one subscription, in front of its handler.</summary>
internal sealed class IdempotencyGuard(IInbox inbox, string subscriptionName, IdempotencyWindow window, ILogger logger)
{
    public IdempotencyWindow Window { get; } = window;

    /// <summary>Returns false when the event was already handled; an inbox failure lets the event through
    /// (at least once beats at most once).</summary>
    public async ValueTask<bool> IsNewAsync(Event @event, CancellationToken cancellationToken)
    {
        try
        {
            return !await inbox.ContainsAsync(subscriptionName, @event.Id, Window, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.InboxFailed(logger, @event.Id, subscriptionName, ex);
            return true;
        }
    }

    /// <summary>Records a handled event, so a redelivery is dropped. Called only after the handler succeeded: a crash
    /// before this point leaves nothing recorded, and the redelivery is handled.</summary>
    public async ValueTask RecordAsync(Event @event)
    {
        try
        {
            await inbox.TryAddAsync(subscriptionName, @event.Id, Window, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.InboxRecordFailed(logger, @event.Id, subscriptionName, ex);
        }
    }
}
