using System.Collections.Concurrent;
using System.Threading.Channels;
using EventBus.Acknowledgements;
using EventBus.Diagnostics;
using EventBus.Dispatch;
using Microsoft.Extensions.Logging;

namespace EventBus.DeadLetters;

/// <summary>
/// Delivers dead letters back to their own subscription, one at a time, in store order, page by page. An entry leaves
/// the store only once its redelivery reached an outcome: handled (deleted), or dead-lettered again (replaced by an
/// entry that keeps its history). A crash or a stopping bus at any point leaves every entry not yet finished in the
/// store, redrivable.
/// </summary>
internal sealed class DeadLetterRedriver(
    ChannelEventBus bus,
    IDeadLetterStore store,
    DeadLetterSink sink,
    DeliveryTracker tracker,
    EventBusMetrics metrics,
    ILogger<DeadLetterRedriver> logger) : IDeadLetterRedriver
{
    /// <summary>How many entries are read from the store at a time.</summary>
    internal const int PageSize = 100;

    // Entries being redriven in this process: a second redrive running at the same time leaves them alone.
    private readonly ConcurrentDictionary<string, byte> _claimed = new(StringComparer.Ordinal);

    public async ValueTask<DeadLetterRedriveResult> RedriveAsync(DeadLetterQuery query, DeadLetterRedriveOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        options ??= new DeadLetterRedriveOptions();
        if (options.MaxEventsPerSecond is { } rate && (double.IsNaN(rate) || rate <= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(options), rate, "MaxEventsPerSecond must be positive, or null for no limit.");
        }

        await bus.StartAsync(cancellationToken).ConfigureAwait(false);
        if (options.DryRun)
        {
            var preview = new List<DeadLetter>();
            await foreach (var entry in store.QueryAsync(query, cancellationToken).ConfigureAwait(false))
            {
                preview.Add(entry);
            }

            Log.RedriveStarted(logger, preview.Count, " (dry run)");
            return new DeadLetterRedriveResult { DryRun = true, Matched = preview, Unreadable = preview.Count(static e => e.ReadError is not null) };
        }

        Log.RedriveStarted(logger, (int)Math.Min(int.MaxValue, await store.CountAsync(query, cancellationToken).ConfigureAwait(false)), string.Empty);
        var timeProvider = sink.TimeProvider;
        var interval = options.MaxEventsPerSecond is { } perSecond ? TimeSpan.FromSeconds(1 / perSecond) : TimeSpan.Zero;
        var started = timeProvider.GetTimestamp();
        var matched = new List<DeadLetter>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int succeeded = 0, failed = 0, skipped = 0, unreadable = 0, sent = 0;
        while (true)
        {
            var page = await NextPageAsync(query, seen, matched.Count, cancellationToken).ConfigureAwait(false);
            if (page.Count == 0)
            {
                break;
            }

            foreach (var entry in page)
            {
                cancellationToken.ThrowIfCancellationRequested();
                matched.Add(entry);
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

                if (!_claimed.TryAdd(entry.Id, 0))
                {
                    skipped++; // another redrive in this process has it
                    continue;
                }

                try
                {
                    if (interval > TimeSpan.Zero && sent > 0)
                    {
                        var wait = (interval * sent) - timeProvider.GetElapsedTime(started);
                        if (wait > TimeSpan.Zero)
                        {
                            await Task.Delay(wait, timeProvider, cancellationToken).ConfigureAwait(false);
                        }
                    }

                    sent++;
                    var outcome = await RedriveOneAsync(entry, subscription.Lanes, seen, cancellationToken).ConfigureAwait(false);
                    switch (outcome)
                    {
                        case null:
                            skipped++;
                            Log.RedriveSubscriptionMissing(logger, entry.Id, entry.Event.Id, entry.SubscriptionName);
                            break;
                        case true:
                            succeeded++;
                            metrics.Redriven(entry.SubscriptionName, success: true);
                            break;
                        case false:
                            failed++;
                            metrics.Redriven(entry.SubscriptionName, success: false);
                            break;
                    }
                }
                finally
                {
                    _claimed.TryRemove(entry.Id, out _);
                }
            }
        }

        Log.RedriveCompleted(logger, succeeded, failed, skipped);
        return new DeadLetterRedriveResult { DryRun = false, Matched = matched, Succeeded = succeeded, Failed = failed, Skipped = skipped, Unreadable = unreadable };
    }

    /// <summary>Reads the next entries the query matches that this redrive has not seen (nor written), up to a page;
    /// the reader is closed before any of them is delivered.</summary>
    private async ValueTask<List<DeadLetter>> NextPageAsync(DeadLetterQuery query, HashSet<string> seen, int taken, CancellationToken cancellationToken)
    {
        var page = new List<DeadLetter>(PageSize);
        var limit = query.Limit is { } max ? max - taken : int.MaxValue;
        if (limit <= 0)
        {
            return page;
        }

        await foreach (var entry in store.QueryAsync(query with { Limit = null }, cancellationToken).ConfigureAwait(false))
        {
            if (seen.Add(entry.Id))
            {
                page.Add(entry);
                if (page.Count == Math.Min(PageSize, limit))
                {
                    break;
                }
            }
        }

        return page;
    }

    /// <summary>Redelivers one entry and settles it by the outcome: true when handled (the entry is deleted), false when
    /// dead-lettered again (the renewed entry replaces it), null when its subscription went away (it stays).</summary>
    /// <exception cref="EventBusClosedException">The bus stopped; the entry stays in the store.</exception>
    private async ValueTask<bool?> RedriveOneAsync(DeadLetter entry, PriorityLanes lanes, HashSet<string> seen, CancellationToken cancellationToken)
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

        // Not cancellable: once queued, the delivery runs; leaving now would orphan its outcome. The bus reports an
        // outcome for every accepted event, even when it stops.
        var outcome = (await ticket.Outcomes.ConfigureAwait(false)).Single();
        if (ticket.RenewedDeadLetterId is { } renewed)
        {
            seen.Add(renewed);
        }

        if (outcome.Status == DeliveryStatus.Interrupted)
        {
            // The bus stopped first: the entry stays as it was, for the next redrive.
            throw new EventBusClosedException();
        }

        await store.DeleteAsync(entry.Id, CancellationToken.None).ConfigureAwait(false);
        return outcome.Status != DeliveryStatus.DeadLettered;
    }
}
