using EventBus.Diagnostics;
using Microsoft.Extensions.Logging;

namespace EventBus.Idempotency;

/// <summary>The duplicate check of one subscription, in front of its handler.</summary>
internal sealed class IdempotencyGuard(IInbox inbox, string subscriptionName, IdempotencyWindow window, ILogger logger)
{
    public IdempotencyWindow Window { get; } = window;

    /// <summary>Returns false when the event was already handled; an inbox failure lets the event through
    /// (at least once beats at most once).</summary>
    public async ValueTask<bool> TryBeginAsync(Event @event, CancellationToken cancellationToken)
    {
        try
        {
            return await inbox.TryAddAsync(subscriptionName, @event.Id, Window, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.InboxFailed(logger, @event.Id, subscriptionName, ex);
            return true;
        }
    }

    /// <summary>Forgets a failed event so a redelivery (or a redrive) is handled again.</summary>
    public async ValueTask ForgetAsync(Event @event)
    {
        try
        {
            await inbox.RemoveAsync(subscriptionName, @event.Id, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.InboxFailed(logger, @event.Id, subscriptionName, ex);
        }
    }
}
