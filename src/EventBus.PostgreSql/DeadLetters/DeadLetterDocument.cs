using EventBus.PostgreSql.Serialization;

namespace EventBus.PostgreSql.DeadLetters;

/// <summary>The parts of a dead letter kept as JSON; what queries filter on is in columns of its own.</summary>
internal sealed class DeadLetterDocument
{
    public required StoredEnvelope Event { get; set; }

    public string? ExceptionMessage { get; set; }

    public string? StackTrace { get; set; }

    public int AttemptCount { get; set; }

    public DateTimeOffset FirstFailureTime { get; set; }

    public DateTimeOffset LastFailureTime { get; set; }

    public int RedriveCount { get; set; }

    public List<DeadLetterFailure>? PreviousFailures { get; set; }
}
