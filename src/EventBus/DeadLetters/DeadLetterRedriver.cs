using System.Threading.Channels;
using EventBus.Acknowledgements;
using EventBus.Diagnostics;
using EventBus.Dispatch;
using Microsoft.Extensions.Logging;

namespace EventBus.DeadLetters;

/// <summary>Queues dead letters back into their own subscription, one at a time, in store order.</summary>
internal sealed class DeadLetterRedriver(
    ChannelEventBus bus,
    IDeadLetterStore store,
    DeadLetterSink sink,
    DeliveryTracker tracker,
    EventBusMetrics metrics,
    ILogger<DeadLetterRedriver> logger) : IDeadLetterRedriver
{
    public async ValueTask<DeadLetterRedriveResult> RedriveAsync(DeadLetterQuery query, DeadLetterRedriveOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        options ??= new DeadLetterRedriveOptions();
        if (options.MaxEventsPerSecond is { } rate && (double.IsNaN(rate) || rate <= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(options), rate, "MaxEventsPerSecond must be positive, or null for no limit.");
        }

        await bus.StartAsync(cancellationToken).ConfigureAwait(false);
        var matched = new List<DeadLetter>();
        await foreach (var entry in store.QueryAsync(query, cancellationToken).ConfigureAwait(false))
        {
            matched.Add(entry);
        }

        Log.RedriveStarted(logger, matched.Count, options.DryRun ? " (dry run)" : string.Empty);
        if (options.DryRun)
        {
            return new DeadLetterRedriveResult { DryRun = true, Matched = matched, Unreadable = matched.Count(static e => e.ReadError is not null) };
        }

        var timeProvider = sink.TimeProvider;
        var interval = options.MaxEventsPerSecond is { } perSecond ? TimeSpan.FromSeconds(1 / perSecond) : TimeSpan.Zero;
        var started = timeProvider.GetTimestamp();
        int succeeded = 0, failed = 0, skipped = 0, unreadable = 0, sent = 0;
        foreach (var entry in matched)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (entry.ReadError is { } readError)
            {
                // Its event is a stand-in: delivering it would lose the stored data. It stays for an operator.
                unreadable++;
                Log.RedriveEntryUnreadable(logger, entry.Id, entry.SubscriptionName, readError);
                continue;
            }

            var subscription = bus.FindSubscription(entry.SubscriptionName);
            if (subscription is null)
            {
                skipped++;
                Log.RedriveSubscriptionMissing(logger, entry.Id, entry.Event.Id, entry.SubscriptionName);
                continue;
            }

            if (interval > TimeSpan.Zero && sent > 0)
            {
                var wait = (interval * sent) - timeProvider.GetElapsedTime(started);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, timeProvider, cancellationToken).ConfigureAwait(false);
                }
            }

            if (!await store.DeleteAsync(entry.Id, cancellationToken).ConfigureAwait(false))
            {
                continue; // deleted or redriven by someone else meanwhile
            }

            sent++;
            var handled = await RedriveOneAsync(entry, subscription.Lanes, cancellationToken).ConfigureAwait(false);
            if (handled is null)
            {
                skipped++;
                Log.RedriveSubscriptionMissing(logger, entry.Id, entry.Event.Id, entry.SubscriptionName);
                continue;
            }

            metrics.Redriven(entry.SubscriptionName, handled.Value);
            if (handled.Value)
            {
                succeeded++;
            }
            else
            {
                failed++;
            }
        }

        Log.RedriveCompleted(logger, succeeded, failed, skipped);
        return new DeadLetterRedriveResult { DryRun = false, Matched = matched, Succeeded = succeeded, Failed = failed, Skipped = skipped, Unreadable = unreadable };
    }

    /// <summary>Returns whether the event was handled, or null when the subscription was disposed meanwhile.</summary>
    private async ValueTask<bool?> RedriveOneAsync(DeadLetter entry, PriorityLanes lanes, CancellationToken cancellationToken)
    {
        // A fresh copy per redrive: the tracker knows queued redrives by reference.
        var copy = entry.Event with { };
        var ticket = tracker.Track(copy, entry);
        Event? dropped;
        try
        {
            dropped = await lanes.EnqueueAsync(copy, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            tracker.Untrack(copy);
            await store.AddAsync(entry, CancellationToken.None).ConfigureAwait(false);
            if (ex is not ChannelClosedException)
            {
                throw;
            }

            return bus.State == EventBusState.Running ? null : throw new EventBusClosedException();
        }

        tracker.Expect(copy, 1);
        if (dropped is not null)
        {
            await sink.AddAsync(dropped, entry.SubscriptionName, DeadLetterReason.Overflow, null, 0).ConfigureAwait(false);
        }

        var outcomes = await ticket.Outcomes.WaitAsync(cancellationToken).ConfigureAwait(false);
        return outcomes.All(o => o.Status is DeliveryStatus.Handled or DeliveryStatus.HandledByFallback or DeliveryStatus.Duplicate);
    }
}
