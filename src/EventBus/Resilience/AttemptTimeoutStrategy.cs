using Polly;

namespace EventBus.Resilience;

/// <summary>
/// The pipeline's per-attempt time limit: a Polly strategy around each attempt whose timer starts only when the
/// handler goes asynchronous (see <see cref="DeferredTimeout"/>). The handler receives the limit's token through
/// <see cref="SubscriptionResilience.Delivery.HandlerToken"/>, so the pipeline's context is never swapped.
/// </summary>
internal sealed class AttemptTimeoutStrategy(TimeSpan limit, TimeProvider timeProvider) : ResilienceStrategy
{
    /// <inheritdoc/>
    protected override ValueTask<Outcome<TResult>> ExecuteCore<TResult, TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback,
        ResilienceContext context,
        TState state)
    {
        var delivery = context.Properties.GetValue(SubscriptionResilience.DeliveryKey, null!);
        var timeout = DeferredTimeout.Start(delivery.Timeouts, TimeoutSlot.Attempt, context.CancellationToken, timeProvider);
        delivery.HandlerToken = timeout.Token;
        ValueTask<Outcome<TResult>> pending;
        try
        {
            pending = callback(context, state);
        }
        catch (Exception ex)
        {
            pending = new ValueTask<Outcome<TResult>>(Outcome.FromException<TResult>(ex));
        }

        if (pending.IsCompleted)
        {
            return new ValueTask<Outcome<TResult>>(Finish(pending.GetAwaiter().GetResult(), ref timeout, delivery));
        }

        timeout.Arm(limit);
        return AwaitAsync(pending, timeout, delivery, context.ContinueOnCapturedContext);
    }

    private async ValueTask<Outcome<TResult>> AwaitAsync<TResult>(ValueTask<Outcome<TResult>> pending, DeferredTimeout timeout, SubscriptionResilience.Delivery delivery, bool continueOnCapturedContext)
    {
        Outcome<TResult> outcome;
        try
        {
            outcome = await pending.ConfigureAwait(continueOnCapturedContext);
        }
        catch (Exception ex)
        {
            outcome = Outcome.FromException<TResult>(ex);
        }

        return Finish(outcome, ref timeout, delivery);
    }

    private Outcome<TResult> Finish<TResult>(Outcome<TResult> outcome, ref DeferredTimeout timeout, SubscriptionResilience.Delivery delivery)
    {
        delivery.HandlerToken = default;
        var exception = timeout.End(outcome.Exception, limit);
        return ReferenceEquals(exception, outcome.Exception) ? outcome : Outcome.FromException<TResult>(exception!);
    }
}
