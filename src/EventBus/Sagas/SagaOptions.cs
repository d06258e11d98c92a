using EventBus.Sagas;

namespace EventBus;

/// <summary>Settings of one saga registered with <c>AddSaga</c>.</summary>
public sealed class SagaOptions
{
    /// <summary>Gets or sets how many events each of the saga's subscriptions handles at once. Events for one instance
    /// of one type are handled in order (the correlation key is the ordering key); different instances run in parallel.</summary>
    /// <value>The default value is 8.</value>
    public int MaxConcurrency { get; set; } = SagaConstants.DefaultMaxConcurrency;

    /// <summary>Gets or sets how often handling an event is retried when the instance changed concurrently
    /// (<see cref="SagaConcurrencyException"/>). When retries run out the event is dead-lettered.</summary>
    /// <value>The default value is 10.</value>
    public int MaxConflictRetries { get; set; } = SagaConstants.DefaultMaxConflictRetries;

    /// <summary>Gets or sets how many applied event ids an instance remembers to ignore redeliveries.</summary>
    /// <value>The default value is 1,000.</value>
    public int ProcessedEventIdLimit { get; set; } = SagaConstants.DefaultProcessedEventIdLimit;

    /// <summary>Gets or sets how many out-of-order events an instance parks; beyond it they are dropped with a log line.</summary>
    /// <value>The default value is 100.</value>
    public int MaxParkedEvents { get; set; } = SagaConstants.DefaultMaxParkedEvents;

    /// <summary>Gets or sets how many history entries an instance keeps (the oldest go first).</summary>
    /// <value>The default value is 1,000.</value>
    public int HistoryLimit { get; set; } = SagaConstants.DefaultHistoryLimit;

    /// <summary>Gets or sets how often the saga asks the saga store for due timeouts it does not know of: armed by
    /// another process on the same store, given back after a failed publish, or whose claim lapsed. Timeouts this
    /// process armed fire at their due time without waiting for a poll.</summary>
    /// <value>The default value is 5 seconds.</value>
    public TimeSpan TimeoutPollInterval { get; set; } = SagaConstants.DefaultTimeoutPollInterval;

    /// <summary>Gets or sets how long a process holds a due timeout it claimed from the saga store. The claim ends when
    /// every subscription finished with the timeout's event; a process that dies first leaves the claim to lapse after
    /// this long, and then another process fires the timeout again (the saga ignores a repeat it already handled).</summary>
    /// <value>The default value is 1 minute.</value>
    public TimeSpan TimeoutClaimDuration { get; set; } = SagaConstants.DefaultTimeoutClaimDuration;

    /// <summary>Gets or sets the CloudEvents source of the events the saga publishes.</summary>
    /// <value>The default value is <see langword="null"/>: <c>/sagas/</c> followed by the saga name.</value>
    public string? Source { get; set; }

    internal void Validate(string sagaName)
    {
        static void AtLeast(string sagaName, string setting, int value, int minimum)
        {
            if (value < minimum)
            {
                throw new ArgumentOutOfRangeException(
                    "options." + setting, value, $"Saga '{sagaName}': SagaOptions.{setting} must be at least {minimum} (was {value}).");
            }
        }

        static void Positive(string sagaName, string setting, TimeSpan value)
        {
            if (value <= TimeSpan.Zero || value == Timeout.InfiniteTimeSpan)
            {
                throw new ArgumentOutOfRangeException(
                    "options." + setting, value, $"Saga '{sagaName}': SagaOptions.{setting} must be a positive time (was {value}).");
            }
        }

        AtLeast(sagaName, nameof(MaxConcurrency), MaxConcurrency, 1);
        AtLeast(sagaName, nameof(MaxConflictRetries), MaxConflictRetries, 0);
        AtLeast(sagaName, nameof(ProcessedEventIdLimit), ProcessedEventIdLimit, 1);
        AtLeast(sagaName, nameof(MaxParkedEvents), MaxParkedEvents, 0);
        AtLeast(sagaName, nameof(HistoryLimit), HistoryLimit, 1);
        Positive(sagaName, nameof(TimeoutPollInterval), TimeoutPollInterval);
        Positive(sagaName, nameof(TimeoutClaimDuration), TimeoutClaimDuration);
        if (Source is not null && string.IsNullOrWhiteSpace(Source))
        {
            throw new ArgumentException($"Saga '{sagaName}': SagaOptions.Source must not be empty.", "options.Source");
        }
    }
}
